import {
  createConnection,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can lose one acknowledgement: once armed, the first
 * connection whose server reports a completed INSERT gets nothing more forwarded, and is cut as
 * soon as the server's ReadyForQuery follows, i.e. after the statement committed. The client sees
 * "Connection terminated unexpectedly" for a write that is stored, as after a network blip or a
 * failover.
 */
export class LostAckProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #armed = 0;
  /** How many acknowledgements were dropped so far. */
  dropped = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy on a free local port forwarding to `target` (host and port). */
  static async start(target: { host: string; port: number }): Promise<LostAckProxy> {
    const server = createServer();
    const proxy = new LostAckProxy(server);
    server.on('connection', (client) => proxy.#forward(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's port on 127.0.0.1. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Loses the acknowledgement of the next INSERT to complete on any connection. */
  loseNextAcknowledgement(): void {
    this.#armed += 1;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #forward(client: Socket, target: { host: string; port: number }): void {
    const upstream = createConnection(target);
    this.#sockets.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    let pending = Buffer.alloc(0);
    let dropping = false;
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Every server message is a type byte and a 4-byte length that counts itself.
      while (pending.length >= 5) {
        const size = 1 + pending.readUInt32BE(1);
        if (pending.length < size) break;
        const message = pending.subarray(0, size);
        pending = pending.subarray(size);
        const type = String.fromCharCode(message[0]);
        if (
          !dropping &&
          this.#armed > 0 &&
          type === 'C' &&
          message.subarray(5).toString().startsWith('INSERT')
        ) {
          this.#armed -= 1;
          dropping = true;
        }
        if (dropping) {
          if (type === 'Z') {
            this.dropped += 1;
            close();
            return;
          }
          continue;
        }
        client.write(message);
      }
    });
  }
}
