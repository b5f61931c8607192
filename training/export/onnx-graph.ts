import { onnx } from 'onnx-proto';

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

type Attribute = number | number[] | { float: number };

/**
 * A small builder for ONNX graphs: named nodes, initialisers from Float32Array/BigInt64Array as
 * raw little-endian bytes, and value infos. Each helper returns the name of its output, so the
 * exporter reads like the forward pass it mirrors.
 */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  node(
    op: string,
    inputs: string[],
    attributes: Record<string, Attribute> = {},
    hint = op,
  ): string {
    const output = this.fresh(hint);
    this.nodes.push({
      opType: op,
      input: inputs,
      output: [output],
      name: output,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** A node with several outputs (TopK). */
  nodeN(
    op: string,
    inputs: string[],
    outputs: number,
    attributes: Record<string, Attribute> = {},
  ): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(op));
    this.nodes.push({
      opType: op,
      input: inputs,
      output: names,
      name: names[0],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return names;
  }

  floatTensor(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({
      name,
      dims,
      dataType: DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  int64Tensor(name: string, values: number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  scalar(name: string, value: number): string {
    return this.floatTensor(name, [], Float32Array.of(value));
  }

  input(name: string, elemType: number, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Marks `from` as the graph output `name` (through an Identity, so names stay readable). */
  output(name: string, from: string, dims: (number | string)[]): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [name], name });
    this.outputs.push(valueInfo(name, DataType.FLOAT, dims));
  }

  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'interpretable-audit',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attribute(name: string, value: Attribute): onnx.IAttributeProto {
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function valueInfo(
  name: string,
  elemType: number,
  dims: (number | string)[],
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

export const ONNX_FLOAT = DataType.FLOAT;
export const ONNX_INT64 = DataType.INT64;
