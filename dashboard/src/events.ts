import { currentToken } from "./token";
import type { LoopEvent } from "./types";

// Live updates: /api/v1/events read with fetch() streaming, since EventSource cannot send the bearer header.
// Reconnects with a growing pause (1 s to 30 s) when the stream ends or fails.

type Listener = (event: LoopEvent) => void;
type StatusListener = (status: "live" | "connecting" | "offline") => void;

const listeners = new Set<Listener>();
let onStatus: StatusListener = () => {};
let started = false;

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startEvents(statusListener: StatusListener): void {
  onStatus = statusListener;
  if (started) return;
  started = true;
  void run();
}

async function run(): Promise<void> {
  let pause = 1000;
  for (;;) {
    const token = currentToken();
    if (token !== null) {
      onStatus("connecting");
      try {
        await readStream(token, () => {
          pause = 1000;
          onStatus("live");
        });
      } catch {
        // A dropped connection or a refused token: wait and try again (a new token may have been entered).
      }
    }
    onStatus("offline");
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 30_000);
  }
}

async function readStream(token: string, connected: () => void): Promise<void> {
  const response = await fetch("/api/v1/events", {
    headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!response.ok || response.body === null) throw new Error(`events: ${response.status}`);
  connected();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

/** One server-sent event: its `data:` lines joined (comments and `event:` lines need no handling: data has the kind). */
function dispatch(block: string): void {
  const data = block
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  if (data === "") return;
  let event: LoopEvent;
  try {
    event = JSON.parse(data) as LoopEvent;
  } catch {
    return;
  }
  for (const listener of listeners) listener(event);
}
