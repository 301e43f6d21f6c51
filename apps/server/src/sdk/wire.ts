import type { AddressInfo } from 'node:net';
import type { WebSocketConstructor, WebSocketLike } from '@roomcast/client';
import { WebSocket, WebSocketServer } from 'ws';

type Frame = { event: string; id?: number; data: Record<string, unknown> };
/** `cut`: the frame is not passed on and the socket is terminated, as if the network failed right there. */
type Tap = (frame: Frame) => 'pass' | 'cut';

/**
 * The client's network, run by the test: every attempt is a real `ws` socket, to the server the
 * test points it at (none: a real server that refuses the upgrade), with a tap on the frames each
 * way to cut the line at an exact frame. Lets a test take a server "down" and bring one "back"
 * without stopping it or reusing its port.
 */
export class Wire {
  /** Where new sockets go; undefined: they are refused. */
  target: string | undefined;
  /** Frames the client wrote, per socket (one array per attempt that opened). */
  readonly written: Frame[][] = [];
  outbound: Tap = () => 'pass';
  inbound: Tap = () => 'pass';
  private readonly live = new Set<WebSocket>();

  private constructor(
    target: string,
    private readonly refuser: WebSocketServer,
    private readonly refuserUrl: string,
  ) {
    this.target = target;
  }

  static async create(target: string): Promise<Wire> {
    const refuser = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
    await new Promise<void>((resolve) => refuser.once('listening', resolve));
    const { port } = refuser.address() as AddressInfo;
    return new Wire(target, refuser, `ws://127.0.0.1:${port}/ws`);
  }

  /** The constructor to give the client as `WebSocket`. */
  get WebSocket(): WebSocketConstructor {
    const wire = this;
    return class TappedSocket implements WebSocketLike {
      onopen: WebSocketLike['onopen'] = null;
      onmessage: WebSocketLike['onmessage'] = null;
      onclose: WebSocketLike['onclose'] = null;
      onerror: WebSocketLike['onerror'] = null;
      private readonly ws: WebSocket;
      private readonly log: Frame[] = [];
      private cut = false;

      constructor(url: string) {
        const routed = new URL(url);
        const to = new URL(wire.target ?? wire.refuserUrl);
        routed.host = to.host;
        this.ws = new WebSocket(routed);
        wire.live.add(this.ws);
        this.ws.onopen = (event) => {
          wire.written.push(this.log);
          this.onopen?.(event);
        };
        this.ws.onmessage = (event) => {
          if (this.cut) return;
          if (wire.inbound(JSON.parse(String(event.data)) as Frame) === 'cut') {
            this.terminate();
            return;
          }
          this.onmessage?.({ data: event.data });
        };
        this.ws.onclose = (event) => {
          wire.live.delete(this.ws);
          this.onclose?.({ code: event.code, reason: event.reason });
        };
        this.ws.onerror = (event) => this.onerror?.(event);
      }

      get readyState(): number {
        return this.ws.readyState;
      }

      send(data: string): void {
        if (this.cut) return;
        const frame = JSON.parse(data) as Frame;
        if (wire.outbound(frame) === 'cut') {
          this.terminate();
          return;
        }
        this.log.push(frame);
        this.ws.send(data);
      }

      close(code?: number, reason?: string): void {
        this.ws.close(code, reason);
      }

      private terminate(): void {
        this.cut = true;
        this.ws.terminate();
      }
    };
  }

  /** Cuts every open socket with no close frame (the client sees 1006). */
  cutAll(): void {
    for (const ws of this.live) ws.terminate();
  }

  close(): Promise<void> {
    this.cutAll();
    return new Promise((resolve) => this.refuser.close(() => resolve()));
  }
}
