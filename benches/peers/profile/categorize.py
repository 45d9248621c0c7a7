#!/usr/bin/env python3
"""Splits a client's CPU samples into where the time goes.

Reads `perf script` output (samples with DWARF call chains) on stdin and
prints, for each category, its share of the samples and, given the CPU per
call measured in the same run (`--cpu-per-call`, µs), the µs per call.

A sample is put in one category:
  * in the kernel: by the system call it came from (the first user frame
    under the kernel frames), with context switches (the thread put to sleep
    and woken) counted on their own;
  * in malloc/free: allocation;
  * otherwise: the innermost frame (from the leaf outward) that belongs to a
    known layer; generic code (core, alloc, hashbrown, bytes, memcpy) takes
    the category of its caller.

    perf script -i q-async.data | categorize.py --cpu-per-call 68
"""

import argparse
import re
import sys
from collections import Counter

KERNEL_DSO = re.compile(r"\[kernel|\[unknown\]|vmlinux")

ALLOC = re.compile(
    r"^(malloc|_int_malloc|_int_free|_int_realloc|free|cfree|__libc_free|__libc_malloc|realloc|"
    r"__libc_realloc|unlink_chunk|malloc_consolidate|tcache_|sysmalloc|__rust_alloc|__rust_dealloc|"
    r"__rust_realloc|__rustc::__rust_alloc|__rustc::__rust_dealloc|__rustc::__rust_realloc|"
    r"alloc::alloc::|<peers::measure::CountingAlloc)"
)

# Checked on the whole symbol, before the owner-based layers: generated
# prost impls live in the clients' own crates.
METHOD_LAYERS = [
    (re.compile(r"prost::Message>::(merge|decode)|merge_field|prost::encoding::.*::merge|"
                r"prost::encoding::(decode_varint|merge_loop|skip_field|decode_key)|"
                r"prost::Message::(decode|merge)|ProstDecoder|prost::encoding::varint::decode"),
     "decode: prost"),
    (re.compile(r"prost::Message>::(encode|encoded_len)|encode_raw|encoded_len|"
                r"prost::encoding::.*::encode|prost::Message::encode|ProstEncoder|prost::encoding::varint::encode"),
     "encode: prost"),
]

# Owner (the type or path a symbol belongs to) prefix -> category.
OWNER_LAYERS = [
    (r"peers::clients::floor::(encode|put_|float_bytes|payload_lens|point_len|framed_len|key_len|varint_len)",
     "encode: floor (hand-written)"),
    (r"peers::clients::floor::(read_|check_update|Fields)", "decode: floor (in place)"),
    (r"qdrant_async::types::decode|qdrant_async::types::payload::Received|qdrant_async::types::payload::Payload>::(map|get)",
     "decode: qdrant-async (answers read from the wire, payloads on first use)"),
    (r"qdrant_async::upload::(encode|WirePoint)|qdrant_async::types::point::WirePoint|qdrant_async::.*encode",
     "encode: qdrant-async"),
    (r"qdrant_async::types::payload::json|qdrant_async::types::payload_serializer|"
     r"qdrant_async::types::point::Point::payload",
     "conversion: JSON -> qdrant-async Payload (caller's input)"),
    (r"qdrant_async::types::.*(into_proto|to_proto|::wire|check|encode)", "encode: qdrant-async"),
    (r"qdrant_async::types", "conversion: proto -> qdrant-async types"),
    (r"qdrant_client::(payload|qdrant_client::conversions|grpc_conversions|builders|qdrant::[A-Za-z]*Builder)|"
     r"qdrant_client::.*(Builder|from|From)",
     "conversion: official builders/payload"),
    (r"serde_json|peers::workload::payload_json|serde::", "caller: building points (json!, vectors)"),
    (r"peers::workload::Data|peers::clients::(official|qdrant_async)::(point|upsert_batch|upsert_split)",
     "caller: building points (json!, vectors)"),
    (r"qdrant_async::transport::http2", "qdrant-async HTTP/2 (frames, streams, HPACK)"),
    (r"qdrant_async::transport", "qdrant-async transport (pool, lease, call)"),
    (r"qdrant_async::upload", "qdrant-async upload_points (batching)"),
    (r"qdrant_async::client", "qdrant-async facade (request builders)"),
    (r"qdrant_client", "official facade (channel pool, calls)"),
    (r"tonic::", "tonic (Grpc, codec, Channel)"),
    (r"tower::|tower_|tower_service", "tower (Buffer, layers)"),
    (r"h2::", "h2 (frames, streams, flow control)"),
    (r"hyper_util::|hyper::", "hyper (client dispatch, body)"),
    (r"http_body|http::|http_body_util", "http types (headers, uri, body)"),
    (r"tokio::runtime::time|tokio::time", "tokio timers"),
    (r"tokio::runtime::io|mio::|tokio::net|tokio::io", "tokio reactor and socket I/O"),
    (r"tokio::", "tokio scheduler, tasks, sync"),
    (r"peers::clients::floor", "floor (its call)"),
    (r"peers::", "bench harness"),
    (r"std::sys::sync|parking_lot|std::sync|std::thread", "locks and thread parking (std)"),
]
OWNER_LAYERS = [(re.compile(p), c) for p, c in OWNER_LAYERS]

SYSCALL_NAMES = [
    (re.compile(r"epoll_wait"), "kernel: epoll_wait (reactor park)"),
    (re.compile(r"futex|pthread_cond|__lll_lock|sem_|syscall$"), "kernel: futex (thread wake/park)"),
    (re.compile(r"writev|__GI___libc_write|__libc_write|^write$|send"), "kernel: socket write (TCP send)"),
    (re.compile(r"recv|__libc_read|^read$|readv"), "kernel: socket read (TCP receive)"),
    (re.compile(r"clock_gettime"), "kernel: clock_gettime"),
    (re.compile(r"sched_yield"), "kernel: sched_yield"),
    (re.compile(r"mmap|munmap|brk|madvise|mprotect"), "kernel: memory map (allocator)"),
]


def owner(symbol: str) -> str:
    """The type or path a symbol's code belongs to."""
    m = re.match(r"core::ptr::drop_in_place<(.*)>$", symbol)
    if m:
        return m.group(1)
    if symbol.startswith("<"):
        depth = 0
        for i, ch in enumerate(symbol):
            if ch == "<":
                depth += 1
            elif ch == ">":
                depth -= 1
            elif depth == 1 and symbol.startswith(" as ", i):
                return symbol[1:i]
    return symbol


def category(frames):
    """frames: [(symbol, dso)] from leaf to root."""
    if not frames:
        return "unknown"
    sym, dso = frames[0]
    if KERNEL_DSO.search(dso):
        kernel = [s for s, d in frames if KERNEL_DSO.search(d)]
        user = [(s, d) for s, d in frames if not KERNEL_DSO.search(d)]
        if any(re.search(r"exc_page_fault|do_user_addr_fault|handle_mm_fault", s) for s in kernel):
            return "kernel: page faults"
        first_user = user[0][0] if user else ""
        if any(re.search(r"finish_task_switch|__schedule|schedule$", s) for s in kernel[:4]):
            base = "kernel: context switch"
            for pattern, name in SYSCALL_NAMES:
                if pattern.search(first_user):
                    return f"{base} in {name.split(': ')[1].split(' ')[0]}"
            return base
        for pattern, name in SYSCALL_NAMES:
            if pattern.search(first_user):
                return name
        if not user:
            return "kernel: interrupts, other"
        # A syscall made from Rust without a libc wrapper frame resolved.
        return "kernel: other syscalls"
    if ALLOC.search(sym):
        return "allocation (malloc/free)"
    for s, _ in frames:
        if ALLOC.search(s):
            return "allocation (malloc/free)"
        for pattern, name in METHOD_LAYERS:
            if pattern.search(s):
                return name
        o = owner(s)
        for pattern, name in OWNER_LAYERS:
            if pattern.match(o):
                return name
    return "other (std, core generic, unresolved)"


GROUPS = [
    (r"kernel: socket", "kernel: socket write/read (loopback TCP)"),
    (r"kernel: (context switch|epoll_wait|futex|sched_yield)", "kernel: sleeping and waking (epoll, futex, switches)"),
    (r"kernel: (page faults|memory map)", "kernel: page faults, mmap"),
    (r"kernel", "kernel: other"),
    (r"^(h2 |qdrant-async HTTP/2)", "HTTP/2 (h2, or qdrant-async's own)"),
    (r"^(hyper|tonic|tower|http types)", "hyper, tonic, tower, http"),
    (r"^(tokio|locks)", "tokio runtime, std locks"),
    (r"^allocation", "malloc/free"),
    (r"^encode", "encoding the request"),
    (r"^(decode|conversion: proto)", "decoding the answer (prost + conversion)"),
    (r"^(caller|conversion: official|conversion: JSON)", "building the caller's points and payloads"),
    (r"^(qdrant-async|official facade|floor \(its)", "client facade and transport code"),
    (r"^bench", "bench harness"),
]


def group(name):
    for pattern, g in GROUPS:
        if re.search(pattern, name):
            return g
    return "other"


def samples(lines):
    frames = []
    in_sample = False
    for line in lines:
        if not line.strip():
            if in_sample:
                yield frames
            frames, in_sample = [], False
            continue
        if not line.startswith((" ", "\t")):
            in_sample = True
            frames = []
            continue
        m = re.match(r"\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
            frames.append((sym, m.group(2)))
    if in_sample:
        yield frames


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpu-per-call", type=float, default=None,
                        help="the client's CPU µs per call in the same run")
    parser.add_argument("--unit", default="call")
    parser.add_argument("--groups", action="store_true", help="coarser categories")
    args = parser.parse_args()
    counts = Counter()
    for frames in samples(sys.stdin):
        name = category(frames)
        counts[group(name) if args.groups else name] += 1
    total = sum(counts.values())
    if total == 0:
        print("no samples")
        return
    per = f"µs/{args.unit}"
    print(f"| where | share | {per} |")
    print("|---|---:|---:|")
    for name, n in counts.most_common():
        share = n / total
        us = f"{share * args.cpu_per_call:.2f}" if args.cpu_per_call else ""
        print(f"| {name} | {share * 100:.1f} % | {us} |")
    print(f"| all ({total} samples) | 100 % | {args.cpu_per_call or ''} |")


if __name__ == "__main__":
    main()
