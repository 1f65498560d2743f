/**
 * The client in Node: the remote peer and the writer on a server, as parts to compose
 * the API with (src/index.ts and the CLI do); importing it registers nothing.
 */

export { type PeerOptions, RemotePeer } from './peer.js';
export { Peers } from './peers.js';
export { RemoteConnection, RemoteDb, RemoteEntity } from './proxies.js';
export { remotePeerRoute } from './remote.js';
export { serverWriters } from './writer.js';
