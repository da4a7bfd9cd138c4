// gif_encoder.h — an animated GIF89a encoder written for flowrl (internal header).
//
// Each frame gets its own 255-colour palette (median cut over 15-bit colours) in a local colour
// table; index 255 is transparent. A pixel whose 15-bit colour is the one last drawn there is left
// transparent, and only the bounding box of the pixels that changed is stored, so the parts of a
// video that stand still (a sky seen from a camera that slides sideways) cost almost nothing. Frames
// are compressed with GIF's variable-width LZW (up to 12-bit codes, a clear code when the table is
// full). No dithering: flat areas stay flat, which also keeps LZW effective.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

namespace flowrl::envs::detail {

class GifEncoder {
 public:
  /// Writes the header, the screen descriptor and the loop-forever extension to `out`.
  GifEncoder(std::ostream& out, int width, int height);
  /// Appends a frame of width * height RGB pixels (top row first), shown for `delay_cs` centiseconds.
  void add_frame(const uint8_t* rgb, int delay_cs);
  /// Writes the trailer.
  void finish();

 private:
  // the 255-colour palette of the changed pixels in the box, and each 15-bit colour's entry
  void build_palette(const uint8_t* rgb, int x0, int y0, int x1, int y1);
  void write_lzw(const std::vector<uint8_t>& indices);

  std::ostream& out_;
  int width_, height_;
  std::vector<uint16_t> shown_;         // 15-bit colour last drawn at each pixel (kNever: none yet)
  std::vector<uint32_t> count_;         // per 15-bit colour: pixels in this frame
  std::vector<uint64_t> sum_;           // per 15-bit colour: sums of R, G, B (3 entries each)
  std::vector<uint8_t> entry_;          // per 15-bit colour: its palette entry
  std::vector<uint16_t> used_;          // the 15-bit colours present in this frame
  uint8_t palette_[256 * 3] = {};
};

}  // namespace flowrl::envs::detail
