// MJPEG frames without Huffman tables. Many UVC webcams send each frame
// without a DHT segment, expecting the decoder to use the JPEG standard's
// tables; stb_image refuses such a frame, so the tables are put back in
// first.
#ifndef LRP_PORTS_CAMERA_JPEG_HUFFMAN_H_
#define LRP_PORTS_CAMERA_JPEG_HUFFMAN_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lrp {
namespace camera {

// True if the JPEG in data[0, size) reaches its first SOS (start of scan)
// marker without a DHT segment; *sos_offset is then where that marker
// starts. False for frames with tables and for headers it cannot walk (the
// decoder reports those).
bool FindMissingHuffmanTables(const uint8_t* data, size_t size, size_t* sos_offset);

// The standard DHT segment's size in bytes (marker included).
size_t DefaultHuffmanSegmentBytes();

// *out = the frame with the standard DHT segment inserted before its SOS
// marker. Resizes *out to size + DefaultHuffmanSegmentBytes(), so a vector
// reserved for the largest frame does not reallocate.
void InsertDefaultHuffmanTables(const uint8_t* data, size_t size, size_t sos_offset,
                                std::vector<uint8_t>* out);

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_JPEG_HUFFMAN_H_
