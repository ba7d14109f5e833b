// Where array storage comes from: a caching allocator in front of the C library's aligned_alloc.
//
// Why a cache: glibc serves a large request (above its mmap threshold, which moves between 128 KiB and
// 32 MiB) with fresh pages from the kernel, and each 4 KiB page faults and is zeroed when first
// touched; freeing hands the pages back. A training step allocates and frees the same large blocks
// (activations, gradients) every step, so without a cache it pays those faults on every step: LeNet-5
// at batch 128 ran about 24 steps/s on this machine, and about 38 once freed blocks were kept.
//
// Freed blocks of at least kMinCachedBytes wait in a pool ordered by size; a request takes the smallest
// pooled block that fits and wastes at most an eighth of it. The pool holds at most
// MYTORCH_CACHE_LIMIT_MB megabytes (default 1024); past that, freed blocks go back to the system.
// Smaller blocks go straight to the C library, whose own free lists already serve them without faults.
// A sanitizer build keeps no cache, so that AddressSanitizer sees every use after free.
#pragma once
#include <cstddef>

namespace mytorch::allocator {

constexpr size_t kAlignment = 64;
constexpr size_t kMinCachedBytes = 64 * 1024;

struct Block {
  void* data;
  size_t size;  // at least the bytes asked for: a pooled block may be up to an eighth larger
};

// A 64-byte-aligned block of at least nbytes (at least one alignment unit, for a zero-size array).
Block allocate(size_t nbytes);
// Gives a block from allocate back.
void release(Block block);
// Returns every pooled block to the system.
void empty_cache();
// Bytes waiting in the pool.
size_t cached_bytes();

}  // namespace mytorch::allocator
