/**
 * A frame that cannot be decoded: `field` names what was wrong (a metric-friendly word),
 * `offset` is where in the frame, in bytes. Never carries frame bytes or addresses.
 */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  constructor(
    readonly field: string,
    message: string,
    readonly offset: number,
  ) {
    super(`${field}: ${message} (at frame byte ${offset})`);
  }
}
