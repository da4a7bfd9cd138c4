// gif_encoder.cpp — GIF89a: per-frame median-cut palettes, changed-pixel boxes, LZW.
#include "gif_encoder.h"

#include <algorithm>
#include <array>
#include <string>

namespace flowrl::envs::detail {
namespace {

constexpr uint16_t kNever = 0x8000;  // no colour drawn yet (15-bit colours are < 0x8000)
constexpr int kColours = 1 << 15;
constexpr uint8_t kTransparent = 255;
constexpr int kMaxEntries = 255;  // palette entries for colours; 255 is the transparent index

inline uint16_t colour15(const uint8_t* p) {
  return static_cast<uint16_t>(((p[0] >> 3) << 10) | ((p[1] >> 3) << 5) | (p[2] >> 3));
}
inline int channel(uint16_t c, int k) { return (c >> (10 - 5 * k)) & 31; }

void put16(std::ostream& out, int v) {
  out.put(static_cast<char>(v & 0xff));
  out.put(static_cast<char>((v >> 8) & 0xff));
}

// LSB-first bit packing into GIF's data sub-blocks (at most 255 bytes each)
class CodeWriter {
 public:
  void put(int code, int bits) {
    acc_ |= static_cast<uint32_t>(code) << filled_;
    filled_ += bits;
    while (filled_ >= 8) {
      bytes_.push_back(static_cast<char>(acc_ & 0xff));
      acc_ >>= 8;
      filled_ -= 8;
    }
  }
  void finish(std::ostream& out) {
    if (filled_ > 0) bytes_.push_back(static_cast<char>(acc_ & 0xff));
    for (size_t at = 0; at < bytes_.size(); at += 255) {
      const size_t n = std::min<size_t>(255, bytes_.size() - at);
      out.put(static_cast<char>(n));
      out.write(bytes_.data() + at, static_cast<std::streamsize>(n));
    }
    out.put(0);  // block terminator
  }

 private:
  std::string bytes_;
  uint32_t acc_ = 0;
  int filled_ = 0;
};

// the LZW string table: (prefix code, next index) -> code, open addressing
class CodeTable {
 public:
  CodeTable() { clear(); }
  void clear() { keys_.fill(-1); }
  int find(int32_t key) const {
    for (uint32_t h = hash(key);; h = (h + 1) & (kSize - 1)) {
      if (keys_[h] == key) return codes_[h];
      if (keys_[h] < 0) return -1;
    }
  }
  void insert(int32_t key, int code) {
    uint32_t h = hash(key);
    while (keys_[h] >= 0) h = (h + 1) & (kSize - 1);
    keys_[h] = key;
    codes_[h] = static_cast<uint16_t>(code);
  }

 private:
  static constexpr uint32_t kSize = 8192;  // twice the 4096 codes: short probe chains
  static uint32_t hash(int32_t key) { return (static_cast<uint32_t>(key) * 2654435761u) >> 19; }
  std::array<int32_t, kSize> keys_;
  std::array<uint16_t, kSize> codes_{};
};

// a median-cut box: a range of the colour list
struct Box {
  size_t begin = 0, end = 0;
  uint64_t pixels = 0;
  int lo[3] = {31, 31, 31}, hi[3] = {0, 0, 0};
  int longest() const {
    int k = 0;
    for (int j = 1; j < 3; ++j)
      if (hi[j] - lo[j] > hi[k] - lo[k]) k = j;
    return k;
  }
  int extent() const { return hi[longest()] - lo[longest()]; }
};

}  // namespace

GifEncoder::GifEncoder(std::ostream& out, int width, int height)
    : out_(out),
      width_(width),
      height_(height),
      shown_(static_cast<size_t>(width) * static_cast<size_t>(height), kNever),
      count_(kColours, 0),
      sum_(3 * kColours, 0),
      entry_(kColours, 0) {
  out_.write("GIF89a", 6);
  put16(out_, width);
  put16(out_, height);
  out_.put(static_cast<char>(0x70));  // no global colour table, 8 bits per primary
  out_.put(0);                        // background colour
  out_.put(0);                        // square pixels
  // NETSCAPE2.0 application extension: loop forever
  out_.put(0x21);
  out_.put(static_cast<char>(0xff));
  out_.put(11);
  out_.write("NETSCAPE2.0", 11);
  out_.put(3);
  out_.put(1);
  put16(out_, 0);
  out_.put(0);
}

void GifEncoder::build_palette(const uint8_t* rgb, int x0, int y0, int x1, int y1) {
  for (uint16_t c : used_) {
    count_[c] = 0;
    sum_[3 * c] = sum_[3 * c + 1] = sum_[3 * c + 2] = 0;
  }
  used_.clear();
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const size_t i = static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x);
      const uint8_t* p = rgb + 3 * i;
      const uint16_t c = colour15(p);
      if (c == shown_[i]) continue;
      if (count_[c]++ == 0) used_.push_back(c);
      for (int k = 0; k < 3; ++k) sum_[3 * c + k] += p[k];
    }
  }

  // median cut: split the box with the most pixels times extent along its longest side, at the
  // pixel-weighted median, until there are 255 boxes or none can be split
  std::vector<Box> boxes(1);
  boxes[0].end = used_.size();
  auto measure = [&](Box& b) {
    b.pixels = 0;
    for (int k = 0; k < 3; ++k) b.lo[k] = 31, b.hi[k] = 0;
    for (size_t i = b.begin; i < b.end; ++i) {
      const uint16_t c = used_[i];
      b.pixels += count_[c];
      for (int k = 0; k < 3; ++k) b.lo[k] = std::min(b.lo[k], channel(c, k)), b.hi[k] = std::max(b.hi[k], channel(c, k));
    }
  };
  measure(boxes[0]);
  while (boxes.size() < static_cast<size_t>(kMaxEntries)) {
    size_t pick = boxes.size();
    uint64_t best = 0;
    for (size_t j = 0; j < boxes.size(); ++j) {
      const uint64_t score = boxes[j].pixels * static_cast<uint64_t>(boxes[j].extent());
      if (boxes[j].end - boxes[j].begin >= 2 && score > best) best = score, pick = j;
    }
    if (pick == boxes.size()) break;
    Box& b = boxes[pick];
    const int k = b.longest();
    std::sort(used_.begin() + static_cast<std::ptrdiff_t>(b.begin), used_.begin() + static_cast<std::ptrdiff_t>(b.end),
              [k](uint16_t a, uint16_t c) {
                return channel(a, k) < channel(c, k) || (channel(a, k) == channel(c, k) && a < c);
              });
    uint64_t seen = 0;
    size_t cut = b.begin + 1;
    for (size_t i = b.begin; i + 1 < b.end; ++i) {
      seen += count_[used_[i]];
      cut = i + 1;
      if (2 * seen >= b.pixels) break;
    }
    Box upper;
    upper.begin = cut;
    upper.end = b.end;
    b.end = cut;
    measure(b);
    measure(upper);
    boxes.push_back(upper);
  }

  // each box's pixel-weighted mean colour
  std::fill(std::begin(palette_), std::end(palette_), 0);
  for (size_t j = 0; j < boxes.size(); ++j) {
    uint64_t total[3] = {0, 0, 0}, n = 0;
    for (size_t i = boxes[j].begin; i < boxes[j].end; ++i) {
      const uint16_t c = used_[i];
      entry_[c] = static_cast<uint8_t>(j);
      n += count_[c];
      for (int k = 0; k < 3; ++k) total[k] += sum_[3 * c + k];
    }
    for (int k = 0; k < 3; ++k) palette_[3 * j + k] = static_cast<uint8_t>(n ? (total[k] + n / 2) / n : 0);
  }
}

void GifEncoder::add_frame(const uint8_t* rgb, int delay_cs) {
  // the box of pixels whose colour changed
  int x0 = width_, y0 = height_, x1 = 0, y1 = 0;
  for (int y = 0; y < height_; ++y) {
    const size_t row = static_cast<size_t>(y) * static_cast<size_t>(width_);
    for (int x = 0; x < width_; ++x) {
      if (colour15(rgb + 3 * (row + static_cast<size_t>(x))) == shown_[row + static_cast<size_t>(x)]) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x + 1), y0 = std::min(y0, y), y1 = std::max(y1, y + 1);
    }
  }
  if (x1 == 0) x0 = y0 = 0, x1 = y1 = 1;  // nothing changed: one transparent pixel holds the time

  build_palette(rgb, x0, y0, x1, y1);
  std::vector<uint8_t> indices;
  indices.reserve(static_cast<size_t>(x1 - x0) * static_cast<size_t>(y1 - y0));
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const size_t i = static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x);
      const uint16_t c = colour15(rgb + 3 * i);
      if (c == shown_[i]) {
        indices.push_back(kTransparent);
      } else {
        indices.push_back(entry_[c]);
        shown_[i] = c;
      }
    }
  }

  // graphic control extension: leave the frame in place, index 255 transparent
  out_.put(0x21);
  out_.put(static_cast<char>(0xf9));
  out_.put(4);
  out_.put(static_cast<char>((1 << 2) | 1));
  put16(out_, delay_cs);
  out_.put(static_cast<char>(kTransparent));
  out_.put(0);
  // image descriptor with a 256-entry local colour table
  out_.put(0x2c);
  put16(out_, x0);
  put16(out_, y0);
  put16(out_, x1 - x0);
  put16(out_, y1 - y0);
  out_.put(static_cast<char>(0x80 | 7));
  out_.write(reinterpret_cast<const char*>(palette_), sizeof(palette_));
  write_lzw(indices);
}

void GifEncoder::write_lzw(const std::vector<uint8_t>& indices) {
  constexpr int kMinBits = 8, kClear = 1 << kMinBits, kEnd = kClear + 1, kMaxCode = 4095;
  out_.put(static_cast<char>(kMinBits));
  CodeWriter codes;
  CodeTable table;
  int bits = kMinBits + 1;
  int next = kEnd + 1;  // the next code to assign
  codes.put(kClear, bits);
  int prefix = indices[0];
  for (size_t i = 1; i < indices.size(); ++i) {
    const int32_t key = (prefix << 8) | indices[i];
    const int found = table.find(key);
    if (found >= 0) {
      prefix = found;
      continue;
    }
    codes.put(prefix, bits);
    // the decoder assigns the same code one step later; widen once a code needs the next bit
    table.insert(key, next);
    if (next >= (1 << bits)) ++bits;
    if (next == kMaxCode) {  // table full: start over
      codes.put(kClear, bits);
      table.clear();
      bits = kMinBits + 1;
      next = kEnd + 1;
    } else {
      ++next;
    }
    prefix = indices[i];
  }
  codes.put(prefix, bits);
  // the decoder adds one more code after the last one it reads, and may widen before the end code
  if (next >= (1 << bits) && bits < 12) ++bits;
  codes.put(kEnd, bits);
  codes.finish(out_);
}

void GifEncoder::finish() { out_.put(0x3b); }

}  // namespace flowrl::envs::detail
