import { startUwsPeer } from '../peers/uws-peer.js';
import { servePeer } from './serve-peer.js';

await servePeer('uws-peer', startUwsPeer);
