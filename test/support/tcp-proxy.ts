import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, for fault injection without Docker: it can cut
 * a connection at the moment the server answers, after the server has done the work (a
 * network failure between a commit and its acknowledgement), or go silent: bytes are dropped
 * both ways and no connection is closed (a firewall that forgot the flow, a host that vanished).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cutNextAnswer = false;
  #silent = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.#relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The next bytes any server connection sends are dropped and that connection is cut instead. */
  cutNextAnswer(): void {
    this.#cutNextAnswer = true;
  }

  /** From now on nothing gets through either way, and nobody is told. */
  goSilent(): void {
    this.#silent = true;
  }

  /** Bytes flow again (on connections their ends have not given up). */
  restore(): void {
    this.#silent = false;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #relay(client: Socket, target: { host: string; port: number }): void {
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (data) => {
      if (!this.#silent) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (this.#silent) return;
      if (!this.#cutNextAnswer) return void client.write(data);
      this.#cutNextAnswer = false;
      cut();
    });
    client.on('close', cut);
    upstream.on('close', cut);
  }
}
