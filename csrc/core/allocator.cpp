#include "core/allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

namespace mytorch::allocator {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;
#else
constexpr bool kCaching = true;
#endif

size_t rounded(size_t nbytes) { return nbytes == 0 ? kAlignment : (nbytes + kAlignment - 1) / kAlignment * kAlignment; }

struct Pool {
  std::mutex mutex;
  std::multimap<size_t, void*> blocks;  // size -> block, smallest first
  size_t bytes = 0;
  size_t limit = 0;

  Pool() {
    const char* mb = std::getenv("MYTORCH_CACHE_LIMIT_MB");
    limit = (mb ? std::strtoull(mb, nullptr, 10) : 1024) << 20;
  }
};

// Never destroyed: storage freed while the process exits (Python finalising its objects) still finds it.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

Block allocate(size_t nbytes) {
  const size_t size = rounded(nbytes);
  if (kCaching && size >= kMinCachedBytes) {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.blocks.lower_bound(size);
    if (it != p.blocks.end() && it->first - size <= it->first / 8) {
      Block block{it->second, it->first};
      p.bytes -= it->first;
      p.blocks.erase(it);
      return block;
    }
  }
  void* data = std::aligned_alloc(kAlignment, size);
  if (data == nullptr) throw std::bad_alloc();
  return {data, size};
}

void release(Block block) {
  if (kCaching && block.size >= kMinCachedBytes) {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.bytes + block.size <= p.limit) {
      p.blocks.emplace(block.size, block.data);
      p.bytes += block.size;
      return;
    }
  }
  std::free(block.data);
}

void empty_cache() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (auto& [size, data] : p.blocks) std::free(data);
  p.blocks.clear();
  p.bytes = 0;
}

size_t cached_bytes() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.bytes;
}

}  // namespace mytorch::allocator
