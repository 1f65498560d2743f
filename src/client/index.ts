/**
 * The client in Node: the remote peer and the remote writer, registered with the api and
 * connection layers when the package is imported.
 */

import { registerRemote } from '../api/dispatch.js';
import { remoteDispatcher } from './remote.js';

registerRemote(remoteDispatcher);

export { type PeerOptions, RemotePeer } from './peer.js';
export { RemoteConnection, RemoteDb, RemoteEntity } from './proxies.js';
export { peerOf } from './remote.js';
export { remoteWriter } from './writer.js';
