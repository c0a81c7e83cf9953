/**
 * One layer of a model (see ../mlp.ts): its forward pass and, beside it, its backward pass, on
 * the kernel layer.
 *
 * Activations are NHWC, as TF.js stores them: a row (one example) of an image layer is
 * height × width × channels floats with the channels innermost; a flat layer is 1 × 1 × n. Data
 * given as C,H,W (IDX images, CIFAR's planes, `--input-shape` for CSV) are converted at load time.
 *
 * A layer owns its workspace (sized for `maxRows` at construction) but not its parameters: every
 * call takes the flat θ and finds its kernel and bias through the ParameterLayout block `block`.
 */
export interface Shape {
  h: number;
  w: number;
  c: number;
}

export const flat = (n: number): Shape => ({ h: 1, w: 1, c: n });
export const sizeOf = (s: Shape): number => s.h * s.w * s.c;

export interface Layer {
  readonly kind: 'dense' | 'conv2d' | 'maxpool2d' | 'avgpool2d' | 'flatten';
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** Its parameter block in the layout, or -1 for a layer without parameters. */
  readonly block: number;
  /**
   * out (rows × size(outShape)) from x (rows × size(inShape)). Returns the output: `out`, or x
   * itself for a layer that only reinterprets its shape (Flatten), which then needs no buffer.
   */
  forward(theta: Float32Array, x: Float32Array, rows: number, out: Float32Array): Float32Array;
  /**
   * Given dOut = ∂loss/∂output (rows × size(outShape), overwritten: the layer first turns it
   * into the gradient before its activation), writes this layer's parameter gradient into grad
   * (its block) and, unless dIn is null, ∂loss/∂x into dIn. x and y are the input and output of
   * the forward pass of the same rows.
   */
  backward(theta: Float32Array, x: Float32Array, y: Float32Array, dOut: Float32Array, rows: number, grad: Float32Array, dIn: Float32Array | null): Float32Array | null;
  /**
   * Layers with a kernel: its gradient (into grad's block, or added to it) from the input x and δ,
   * the gradient before the activation, of the same rows, as backward computes it (xᵀδ for Dense,
   * im2col(x)ᵀδ for Conv2D). Credit attribution calls it with |x| and |δ|.
   */
  weightGradient?(x: Float32Array, delta: Float32Array, rows: number, grad: Float32Array, accumulate: boolean): void;
}
