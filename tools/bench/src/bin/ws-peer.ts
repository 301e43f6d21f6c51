import { startWsPeer } from '../peers/ws-peer.js';
import { servePeer } from './serve-peer.js';

await servePeer('ws-peer', startWsPeer);
