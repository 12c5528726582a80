// Reads an MCAP file with Foxglove's TypeScript stack and prints what it decoded as JSON, for
// bag/foxglove_test.go: @mcap/core's indexed reader (summary, chunk indexes, CRCs), the ros2msg
// schemas parsed by @foxglove/rosmsg, the CDR payloads decoded by @foxglove/rosmsg2-serialization,
// chunks decompressed by @foxglove/wasm-zstd or lz4js.
//
// usage: node read_mcap.js FILE.mcap
"use strict";
const fs = require("node:fs/promises");
const { McapIndexedReader } = require("@mcap/core");
const { parse } = require("@foxglove/rosmsg");
const { MessageReader } = require("@foxglove/rosmsg2-serialization");
const zstd = require("@foxglove/wasm-zstd");
const lz4 = require("lz4js");

// plain turns decoded values into JSON: byte arrays as base64, other typed arrays as arrays.
function plain(v) {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (ArrayBuffer.isView(v)) return Array.from(v, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "bigint") return v.toString();
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

async function main() {
  await zstd.isLoaded;
  const file = await fs.open(process.argv[2], "r");
  const size = (await file.stat()).size;
  const readable = {
    size: async () => BigInt(size),
    read: async (offset, length) => {
      const buf = Buffer.alloc(Number(length));
      await file.read(buf, 0, Number(length), Number(offset));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
  };
  const reader = await McapIndexedReader.Initialize({
    readable,
    decompressHandlers: {
      zstd: (buf, n) => zstd.decompress(buf, Number(n)),
      lz4: (buf, n) => lz4.decompress(buf, Number(n)),
    },
  });
  const readers = new Map();
  const messages = [];
  for await (const m of reader.readMessages()) {
    const channel = reader.channelsById.get(m.channelId);
    const schema = reader.schemasById.get(channel.schemaId);
    if (schema.encoding !== "ros2msg" || channel.messageEncoding !== "cdr") {
      throw new Error(`${channel.topic}: schema ${schema.encoding}, messages ${channel.messageEncoding}`);
    }
    let r = readers.get(schema.id);
    if (!r) {
      r = new MessageReader(parse(new TextDecoder().decode(schema.data), { ros2: true }));
      readers.set(schema.id, r);
    }
    messages.push({
      topic: channel.topic,
      type: schema.name,
      logTime: m.logTime.toString(),
      sequence: m.sequence,
      message: plain(r.readMessage(m.data)),
    });
  }
  const out = {
    profile: reader.header.profile,
    messageCount: reader.statistics ? reader.statistics.messageCount.toString() : null,
    chunks: reader.chunkIndexes.length,
    compression: [...new Set(reader.chunkIndexes.map((c) => c.compression))],
    messages,
  };
  process.stdout.write(JSON.stringify(out));
  await file.close();
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
