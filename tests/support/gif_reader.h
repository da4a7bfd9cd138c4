// gif_reader.h — a small GIF89a decoder for the tests: checks a file's structure and gives back its
// frames as composited RGB pictures, so a test can compare what a viewer would show with what was
// written. Handles what flowrl writes and the common cases (local/global colour tables,
// transparency, disposal 0/1); interlaced frames are rejected.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowrl::test {

/// A decoded animation.
struct DecodedGif {
  int width = 0, height = 0;
  bool loops = false;                        ///< has a NETSCAPE2.0 loop extension
  std::vector<std::vector<uint8_t>> frames;  ///< width * height * 3 bytes each, as displayed
  std::vector<int> delays_cs;                ///< per frame, in centiseconds
};

namespace gif_detail {

struct Reader {
  const std::string& s;
  size_t at = 0;
  uint8_t byte() {
    if (at >= s.size()) throw std::runtime_error("GIF: unexpected end of file at byte " + std::to_string(at));
    return static_cast<uint8_t>(s[at++]);
  }
  int u16() {
    const int lo = byte();
    return lo | (byte() << 8);
  }
  std::string sub_blocks() {
    std::string data;
    for (uint8_t n = byte(); n != 0; n = byte())
      for (int i = 0; i < n; ++i) data.push_back(static_cast<char>(byte()));
    return data;
  }
};

// GIF's LZW: codes of growing width, LSB first
inline std::vector<uint8_t> lzw_decode(const std::string& data, int min_bits, size_t expected) {
  const int clear = 1 << min_bits, end = clear + 1;
  std::vector<int> prefix(4096, -1);
  std::vector<uint8_t> suffix(4096, 0), first(4096, 0);
  for (int i = 0; i < clear; ++i) suffix[i] = first[i] = static_cast<uint8_t>(i);
  int bits = min_bits + 1, next = clear + 2, prev = -1;
  size_t bitpos = 0;
  std::vector<uint8_t> out, stack;
  auto read = [&](int n) {
    int code = 0;
    for (int i = 0; i < n; ++i, ++bitpos) {
      if (bitpos / 8 >= data.size()) throw std::runtime_error("GIF: LZW data ends without an end code");
      code |= ((static_cast<uint8_t>(data[bitpos / 8]) >> (bitpos % 8)) & 1) << i;
    }
    return code;
  };
  auto emit = [&](int code) {
    stack.clear();
    for (int c = code; c >= 0; c = prefix[c]) stack.push_back(suffix[c]);
    out.insert(out.end(), stack.rbegin(), stack.rend());
  };
  for (;;) {
    const int code = read(bits);
    if (code == clear) {
      bits = min_bits + 1;
      next = clear + 2;
      prev = -1;
      continue;
    }
    if (code == end) break;
    if (prev < 0) {
      if (code >= clear) throw std::runtime_error("GIF: first code after a clear is not a colour");
      emit(code);
      prev = code;
      continue;
    }
    uint8_t head;
    if (code < next) {
      head = first[code];
    } else if (code == next) {
      head = first[prev];
    } else {
      throw std::runtime_error("GIF: LZW code " + std::to_string(code) + " is not yet defined");
    }
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = head;
      first[next] = first[prev];
      ++next;
    }
    emit(code);
    prev = code;
    if (next >= (1 << bits) && bits < 12) ++bits;
  }
  if (out.size() != expected)
    throw std::runtime_error("GIF: a frame decodes to " + std::to_string(out.size()) + " pixels, expected " +
                             std::to_string(expected));
  return out;
}

}  // namespace gif_detail

/// Decodes GIF bytes. Throws std::runtime_error saying what is malformed.
inline DecodedGif decode_gif(const std::string& bytes) {
  gif_detail::Reader r{bytes};
  DecodedGif gif;
  const std::string magic = bytes.substr(0, 6);
  if (magic != "GIF89a" && magic != "GIF87a") throw std::runtime_error("GIF: bad signature");
  r.at = 6;
  gif.width = r.u16();
  gif.height = r.u16();
  const uint8_t screen = r.byte();
  r.byte();  // background
  r.byte();  // aspect
  std::vector<uint8_t> global;
  if (screen & 0x80)
    for (int i = 0; i < 3 * (2 << (screen & 7)); ++i) global.push_back(r.byte());
  std::vector<uint8_t> canvas(static_cast<size_t>(gif.width * gif.height * 3), 0);
  int transparent = -1, delay = 0;
  for (;;) {
    const uint8_t block = r.byte();
    if (block == 0x3b) break;
    if (block == 0x21) {
      const uint8_t label = r.byte();
      if (label == 0xf9) {
        if (r.byte() != 4) throw std::runtime_error("GIF: bad graphic control extension");
        const uint8_t packed = r.byte();
        delay = r.u16();
        const uint8_t index = r.byte();
        transparent = (packed & 1) ? index : -1;
        if (((packed >> 2) & 7) > 1) throw std::runtime_error("GIF: disposal method not handled by this reader");
        if (r.byte() != 0) throw std::runtime_error("GIF: graphic control extension not terminated");
      } else if (label == 0xff) {
        if (r.sub_blocks().rfind("NETSCAPE2.0", 0) == 0) gif.loops = true;
      } else {
        r.sub_blocks();
      }
      continue;
    }
    if (block != 0x2c) throw std::runtime_error("GIF: unknown block " + std::to_string(block));
    const int x0 = r.u16(), y0 = r.u16(), w = r.u16(), h = r.u16();
    const uint8_t packed = r.byte();
    if (packed & 0x40) throw std::runtime_error("GIF: interlaced frames not handled by this reader");
    if (x0 + w > gif.width || y0 + h > gif.height) throw std::runtime_error("GIF: frame outside the screen");
    std::vector<uint8_t> table = global;
    if (packed & 0x80) {
      table.clear();
      for (int i = 0; i < 3 * (2 << (packed & 7)); ++i) table.push_back(r.byte());
    }
    const int min_bits = r.byte();
    const auto indices = gif_detail::lzw_decode(r.sub_blocks(), min_bits, static_cast<size_t>(w * h));
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const int i = indices[static_cast<size_t>(y * w + x)];
        if (i == transparent) continue;
        if (3 * static_cast<size_t>(i) + 2 >= table.size()) throw std::runtime_error("GIF: index outside the palette");
        for (int k = 0; k < 3; ++k)
          canvas[static_cast<size_t>(((y0 + y) * gif.width + x0 + x) * 3 + k)] = table[3 * static_cast<size_t>(i) + k];
      }
    }
    gif.frames.push_back(canvas);
    gif.delays_cs.push_back(delay);
    transparent = -1;
    delay = 0;
  }
  return gif;
}

/// Decodes the GIF file at `path`.
inline DecodedGif read_gif(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return decode_gif(buf.str());
}

}  // namespace flowrl::test
