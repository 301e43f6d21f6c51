import { startSocketIoPeer } from '../peers/socket-io-peer.js';
import { servePeer } from './serve-peer.js';

await servePeer('socket-io-peer', startSocketIoPeer);
