package comfytest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
)

// mediaSpec is a video, audio or animated image file the fake wrote. Like generated PNGs it is
// rendered when /view asks for it, so a large SetMediaBytes costs no memory while it sits here.
// The files are well-formed containers of their kind with the right magic bytes, not encodings of
// the frames: a single-colour animated PNG, GIF or lossless WebP, silent FLAC, MP3 and Opus, and
// MP4, QuickTime, WebM and Matroska headers without samples.
type mediaSpec struct {
	format   string // apng, gif, webp, mp4, mov, webm, mkv, flac, mp3 or opus
	codec    string // the video codec a Matroska track names (V_VP9, V_AV1, V_FFV1)
	w, h     int
	frames   int
	fps      float64
	loop     int // GIF and WebP loop count, 0 for ever
	delayMS  int // frame duration; 0 is Pillow's int(1000 / fps)
	color    color.NRGBA
	rate     int // audio samples per second
	channels int
	samples  int    // audio samples per channel
	meta     []byte // the prompt, where the real encoder writes metadata
	size     int    // SetMediaBytes at save time: pad to this length when it is larger
	seed     uint64
}

// maxFrames bounds the frames of generated animations, as maxSide bounds their size.
const maxFrames = 1000

func (m mediaSpec) render(pngs *pngCache) ([]byte, error) {
	m.w, m.h, m.frames = clampSide(m.w), clampSide(m.h), min(max(m.frames, 1), maxFrames)
	if m.fps <= 0 {
		m.fps = 8
	}
	m.channels = min(max(m.channels, 1), 2)
	if m.rate <= 0 {
		m.rate = 44100
	}
	switch m.format {
	case "apng":
		return renderAPNG(m, pngs)
	case "gif":
		return renderGIF(m)
	case "webp":
		return renderWebP(m), nil
	case "mp4", "mov":
		return renderMP4(m), nil
	case "webm", "mkv":
		return renderMatroska(m), nil
	case "flac":
		return renderFLAC(m), nil
	case "mp3":
		return renderMP3(m), nil
	case "opus":
		return renderOpus(m), nil
	}
	return nil, fmt.Errorf("comfytest: no encoder for %q", m.format)
}

// frameDelayMS is the frame duration: delayMS, or what ComfyUI's savers pass Pillow for a frame
// rate, int(1000 / fps).
func (m mediaSpec) frameDelayMS() int {
	if m.delayMS > 0 {
		return m.delayMS
	}
	return int(1000 / m.fps)
}

// seconds is the media's duration.
func (m mediaSpec) seconds() float64 {
	if m.samples > 0 {
		return float64(m.samples) / float64(m.rate)
	}
	return float64(m.frames) / m.fps
}

// renderAPNG writes an animated PNG as Pillow does for SaveAnimatedPNG: acTL before the image
// data, a frame control chunk per frame, the first frame in IDAT and the others in fdAT, and the
// prompt in a "comf" chunk after the image data. Padding goes into a tEXt comment, which
// decoders skip like any text.
func renderAPNG(m mediaSpec, pngs *pngCache) ([]byte, error) {
	p, err := pngs.parts(m.w, m.h, m.color)
	if err != nil {
		return nil, err
	}
	var idat [][]byte
	for rest := p.tail; len(rest) >= 12; {
		n := int(binary.BigEndian.Uint32(rest))
		if 12+n > len(rest) {
			return nil, errors.New("comfytest: truncated PNG chunk")
		}
		if string(rest[4:8]) == "IDAT" {
			idat = append(idat, rest[8:8+n])
		}
		rest = rest[12+n:]
	}
	build := func(pad int) []byte {
		b := append([]byte(nil), p.head...)
		b = appendChunk(b, "acTL", func(b []byte) []byte {
			return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, uint32(m.frames)), 0)
		})
		if pad > 0 {
			b = appendChunk(b, "tEXt", func(b []byte) []byte { return appendPadding(append(b, "comment\x00"...), pad, m.seed) })
		}
		b = appendPalette(b, m.color)
		seq := uint32(0)
		for f := range m.frames {
			b = appendChunk(b, "fcTL", func(b []byte) []byte {
				b = binary.BigEndian.AppendUint32(b, seq)
				b = binary.BigEndian.AppendUint32(b, uint32(m.w))
				b = binary.BigEndian.AppendUint32(b, uint32(m.h))
				b = binary.BigEndian.AppendUint32(b, 0)
				b = binary.BigEndian.AppendUint32(b, 0)
				b = binary.BigEndian.AppendUint16(b, uint16(m.frameDelayMS()))
				b = binary.BigEndian.AppendUint16(b, 1000)
				return append(b, 0, 0) // dispose none, blend source
			})
			seq++
			for _, d := range idat {
				if f == 0 {
					b = appendChunk(b, "IDAT", func(b []byte) []byte { return append(b, d...) })
					continue
				}
				b = appendChunk(b, "fdAT", func(b []byte) []byte { return append(binary.BigEndian.AppendUint32(b, seq), d...) })
				seq++
			}
		}
		if len(m.meta) > 0 {
			b = appendChunk(b, "comf", func(b []byte) []byte { return append(append(b, "prompt\x00"...), m.meta...) })
		}
		return appendChunk(b, "IEND", func(b []byte) []byte { return b })
	}
	out := build(0)
	const textOverhead = 12 + len("comment\x00")
	if m.size > len(out)+textOverhead {
		out = build(m.size - len(out) - textOverhead)
	}
	return out, nil
}

// renderGIF writes an animated GIF the way Pillow saves VideoHelperSuite's image/gif: every
// frame in full, disposal 2, the loop count in a NETSCAPE block. Padding goes into a comment
// extension before the trailer.
func renderGIF(m mediaSpec) ([]byte, error) {
	frame := image.NewPaletted(image.Rect(0, 0, m.w, m.h), color.Palette{m.color, color.Black})
	g := &gif.GIF{LoopCount: m.loop, Config: image.Config{ColorModel: frame.Palette, Width: m.w, Height: m.h}}
	delay := m.frameDelayMS() / 10 // Pillow: int(duration / 10) centiseconds
	for range m.frames {
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, delay)
		g.Disposal = append(g.Disposal, gif.DisposalBackground)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, fmt.Errorf("comfytest: encode gif: %w", err)
	}
	out := buf.Bytes()
	// A comment is 0x21 0xFE, sub-blocks of up to 255 bytes each behind its length, and a 0;
	// sub-blocks may be shorter, so any length from 4 bytes on can be reached exactly.
	if r := m.size - len(out) - 3; r >= 2 {
		blocks := (r + 255) / 256
		data := appendPadding(nil, r-blocks, m.seed)
		body := out[:len(out)-1]
		body = append(body, 0x21, 0xFE)
		total := len(data)
		for i := range blocks {
			n := total / blocks
			if i < total%blocks {
				n++
			}
			body = append(append(body, byte(n)), data[:n]...)
			data = data[n:]
		}
		out = append(body, 0, 0x3B)
	}
	return out, nil
}

// renderWebP writes the extended WebP container libwebp writes through Pillow: VP8X, then for
// several frames ANIM and one ANMF per frame, for one frame the bitstream alone, then EXIF with
// the prompt. The frames are lossless (VP8L) images of one colour, which take no pixel bits at
// all. Padding goes into a chunk of an unknown kind, which readers skip; RIFF chunks have even
// sizes, so an odd size is rounded up.
func renderWebP(m mediaSpec) []byte {
	bitstream := vp8lSolid(m.w, m.h, m.color)
	var body []byte
	flags := byte(0)
	if m.color.A != 0xff {
		flags |= 0x10
	}
	if m.frames > 1 {
		flags |= 0x02
	}
	if len(m.meta) > 0 {
		flags |= 0x08
	}
	body = appendRIFFChunk(body, "VP8X", func(b []byte) []byte {
		b = append(b, flags, 0, 0, 0)
		return appendUint24LE(appendUint24LE(b, m.w-1), m.h-1)
	})
	if m.frames > 1 {
		body = appendRIFFChunk(body, "ANIM", func(b []byte) []byte {
			return binary.LittleEndian.AppendUint16(append(b, 0, 0, 0, 0), uint16(m.loop))
		})
		for range m.frames {
			body = appendRIFFChunk(body, "ANMF", func(b []byte) []byte {
				b = appendUint24LE(appendUint24LE(b, 0), 0)
				b = appendUint24LE(appendUint24LE(b, m.w-1), m.h-1)
				b = append(appendUint24LE(b, m.frameDelayMS()), 0)
				return appendRIFFChunk(b, "VP8L", func(b []byte) []byte { return append(b, bitstream...) })
			})
		}
	} else {
		body = appendRIFFChunk(body, "VP8L", func(b []byte) []byte { return append(b, bitstream...) })
	}
	if len(m.meta) > 0 {
		body = appendRIFFChunk(body, "EXIF", func(b []byte) []byte { return appendTIFFModel(b, "prompt:"+string(m.meta)) })
	}
	const head, chunkHead = 12, 8
	if pad := m.size - head - len(body) - chunkHead; pad > 0 {
		body = appendRIFFChunk(body, "PADX", func(b []byte) []byte { return append(b, make([]byte, pad)...) })
	}
	out := append([]byte("RIFF"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(out[4:], uint32(4+len(body)))
	return append(append(out, "WEBP"...), body...)
}

func appendRIFFChunk(b []byte, fourCC string, fill func([]byte) []byte) []byte {
	start := len(b)
	b = append(append(b, fourCC...), 0, 0, 0, 0)
	b = fill(b)
	n := len(b) - start - 8
	binary.LittleEndian.PutUint32(b[start+4:], uint32(n))
	if n%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func appendUint24LE(b []byte, v int) []byte { return append(b, byte(v), byte(v>>8), byte(v>>16)) }

// appendTIFFModel writes a little-endian TIFF holding one IFD entry, Model (0x0110), where
// ComfyUI puts "prompt:<json>" in the EXIF of the WebP files it saves.
func appendTIFFModel(b []byte, text string) []byte {
	b = append(b, "II*\x00"...)
	b = binary.LittleEndian.AppendUint32(b, 8)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 0x0110)
	b = binary.LittleEndian.AppendUint16(b, 2) // ASCII
	b = binary.LittleEndian.AppendUint32(b, uint32(len(text)+1))
	b = binary.LittleEndian.AppendUint32(b, 8+2+12+4)
	b = binary.LittleEndian.AppendUint32(b, 0)
	return append(append(b, text...), 0)
}

// bitWriter writes bits least significant first, as VP8L and Ogg want them.
type bitWriter struct {
	b    []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= (v & (1<<n - 1)) << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nacc > 0 {
		w.b = append(w.b, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.b
}

// vp8lSolid encodes a one-colour lossless WebP image (RFC 9649): no transform, no colour cache,
// one prefix code group whose five codes each hold a single symbol, so every pixel takes zero
// bits.
func vp8lSolid(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	alpha := uint64(0)
	if c.A != 0xff {
		alpha = 1
	}
	bw.write(alpha, 1)
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // of 8 bits
		bw.write(uint64(sym), 8)
	}
	bw.write(1, 1) // distance: simple code
	bw.write(0, 1) // one symbol
	bw.write(0, 1) // of 1 bit
	bw.write(0, 1) // symbol 0
	return bw.bytes()
}

// renderMP4 writes an ISO base media file as FFmpeg starts one: ftyp with FFmpeg's brands (or
// QuickTime's for .mov), a movie header with the duration, then padding in a free box and an
// empty mdat. The movie has no tracks: enough for sniffing and for sizes, not for playing.
func renderMP4(m mediaSpec) []byte {
	var b []byte
	if m.format == "mov" {
		b = appendBox(b, "ftyp", func(b []byte) []byte {
			return append(binary.BigEndian.AppendUint32(append(b, "qt  "...), 0x200), "qt  "...)
		})
	} else {
		b = appendBox(b, "ftyp", func(b []byte) []byte {
			return append(binary.BigEndian.AppendUint32(append(b, "isom"...), 0x200), "isomiso2avc1mp41"...)
		})
	}
	b = appendBox(b, "moov", func(b []byte) []byte {
		return appendBox(b, "mvhd", func(b []byte) []byte {
			b = append(b, 0, 0, 0, 0)             // version 0, flags
			b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // creation and modification time
			b = binary.BigEndian.AppendUint32(b, 1000)
			b = binary.BigEndian.AppendUint32(b, uint32(m.seconds()*1000))
			b = binary.BigEndian.AppendUint32(b, 0x00010000) // rate 1.0
			b = binary.BigEndian.AppendUint16(b, 0x0100)     // volume 1.0
			b = append(b, make([]byte, 10)...)
			for _, v := range []uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000} {
				b = binary.BigEndian.AppendUint32(b, v) // the identity matrix
			}
			b = append(b, make([]byte, 24)...)
			return binary.BigEndian.AppendUint32(b, 2) // next track id
		})
	})
	const boxHead = 8
	if pad := m.size - len(b) - 2*boxHead; pad >= 0 {
		b = appendBox(b, "free", func(b []byte) []byte { return append(b, make([]byte, pad)...) })
	}
	return appendBox(b, "mdat", func(b []byte) []byte { return b })
}

func appendBox(b []byte, typ string, fill func([]byte) []byte) []byte {
	start := len(b)
	b = append(append(b, 0, 0, 0, 0), typ...)
	b = fill(b)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}

// renderMatroska writes a WebM (or Matroska) file as FFmpeg starts one: the EBML header with the
// doc type, then a segment with Info (duration) and Tracks (one video track of the codec and
// size), and padding in a Void element. It has no clusters, so no frames. Where the Void's and
// the segment's size fields grow by a byte, a size can be missed; the file then ends a byte or
// two short of it.
func renderMatroska(m mediaSpec) []byte {
	doc := "webm"
	if m.format == "mkv" {
		doc = "matroska"
	}
	codec := m.codec
	if codec == "" {
		codec = "V_VP9"
	}
	b := appendEBML(nil, 0x1A45DFA3, func(b []byte) []byte {
		b = appendEBMLUint(b, 0x4286, 1)
		b = appendEBMLUint(b, 0x42F7, 1)
		b = appendEBMLUint(b, 0x42F2, 4)
		b = appendEBMLUint(b, 0x42F3, 8)
		b = appendEBMLString(b, 0x4282, doc)
		b = appendEBMLUint(b, 0x4287, 4)
		return appendEBMLUint(b, 0x4285, 2)
	})
	segment := func(pad int) []byte {
		return appendEBML(nil, 0x18538067, func(b []byte) []byte {
			b = appendEBML(b, 0x1549A966, func(b []byte) []byte {
				b = appendEBMLUint(b, 0x2AD7B1, 1_000_000)
				b = appendEBML(b, 0x4489, func(b []byte) []byte {
					return binary.BigEndian.AppendUint64(b, math.Float64bits(m.seconds()*1000))
				})
				b = appendEBMLString(b, 0x4D80, "comfytest")
				return appendEBMLString(b, 0x5741, "comfytest")
			})
			b = appendEBML(b, 0x1654AE6B, func(b []byte) []byte {
				return appendEBML(b, 0xAE, func(b []byte) []byte {
					b = appendEBMLUint(b, 0xD7, 1)
					b = appendEBMLUint(b, 0x73C5, 1)
					b = appendEBMLUint(b, 0x83, 1)
					b = appendEBMLString(b, 0x86, codec)
					return appendEBML(b, 0xE0, func(b []byte) []byte {
						return appendEBMLUint(appendEBMLUint(b, 0xB0, uint64(m.w)), 0xBA, uint64(m.h))
					})
				})
			})
			if pad >= 0 {
				b = appendEBML(b, 0xEC, func(b []byte) []byte { return append(b, make([]byte, pad)...) })
			}
			return b
		})
	}
	// The Void's size field grows with its content, and so may the segment's: try the paddings
	// around the estimate for the one that ends the file at the asked size.
	seg := segment(-1)
	const segmentID = 4
	content := 0
	for k := 1; k <= 8; k++ {
		if c := len(seg) - segmentID - k; ebmlSizeLen(c) == k {
			content = c
			break
		}
	}
	total := func(pad int) int {
		void := 1 + ebmlSizeLen(pad) + pad
		return len(b) + segmentID + ebmlSizeLen(content+void) + content + void
	}
	if m.size > total(0) {
		best := 0
		for pad := max(0, m.size-total(0)-16); pad <= m.size-total(0); pad++ {
			if total(pad) <= m.size {
				best = pad
			}
		}
		seg = segment(best)
	}
	return append(b, seg...)
}

// appendEBML appends an element, its size in the fewest bytes as FFmpeg writes them (sniffers
// such as libmagic look for the DocType one size byte after its ID).
func appendEBML(b []byte, id uint32, fill func([]byte) []byte) []byte {
	for shift := 24; shift >= 0; shift -= 8 {
		if v := byte(id >> shift); v != 0 || shift == 0 {
			b = append(b, v)
		}
	}
	content := fill(nil)
	n := uint64(len(content))
	k := 1
	for k < 8 && n >= 1<<(7*k)-1 {
		k++
	}
	for i := k - 1; i >= 0; i-- {
		v := byte(n >> (8 * i))
		if i == k-1 {
			v |= 0x80 >> (k - 1)
		}
		b = append(b, v)
	}
	return append(b, content...)
}

// ebmlSizeLen is how many bytes appendEBML takes for a size.
func ebmlSizeLen(n int) int {
	k := 1
	for k < 8 && uint64(n) >= 1<<(7*k)-1 {
		k++
	}
	return k
}

func appendEBMLUint(b []byte, id uint32, v uint64) []byte {
	return appendEBML(b, id, func(b []byte) []byte { return binary.BigEndian.AppendUint64(b, v) })
}

func appendEBMLString(b []byte, id uint32, s string) []byte {
	return appendEBML(b, id, func(b []byte) []byte { return append(b, s...) })
}

// flacBlock is the block size of the generated FLAC frames.
const flacBlock = 4096

// renderFLAC writes a FLAC stream as FFmpeg's encoder does through PyAV: STREAMINFO, the prompt
// in a Vorbis comment, then frames. The frames hold silence as CONSTANT subframes, so the file
// decodes to the right length. Padding goes into PADDING blocks.
func renderFLAC(m mediaSpec) []byte {
	frames := flacFrames(m)
	head := func(pad int) []byte {
		b := append([]byte(nil), "fLaC"...)
		b = appendFLACBlock(b, 0, false, func(b []byte) []byte {
			b = binary.BigEndian.AppendUint16(b, flacBlock)
			b = binary.BigEndian.AppendUint16(b, flacBlock)
			b = append(b, 0, 0, 0, 0, 0, 0) // frame sizes unknown
			// 20 bits rate, 3 bits channels-1, 5 bits bits-per-sample-1, 36 bits samples.
			v := uint64(m.rate)<<44 | uint64(m.channels-1)<<41 | uint64(15)<<36 | uint64(m.samples)&(1<<36-1)
			b = binary.BigEndian.AppendUint64(b, v)
			return append(b, make([]byte, 16)...) // MD5 unknown
		})
		last := pad <= 0
		b = appendFLACBlock(b, 4, last, func(b []byte) []byte {
			b = appendVorbisString(b, "comfytest")
			if len(m.meta) == 0 {
				return binary.LittleEndian.AppendUint32(b, 0)
			}
			return appendVorbisString(binary.LittleEndian.AppendUint32(b, 1), "prompt="+string(m.meta))
		})
		// PADDING blocks of at most 2^24-1 bytes each; the flag on the last one ends the metadata.
		const maxBlock = 1<<24 - 1
		for pad > 0 {
			n := min(pad-4, maxBlock)
			if rest := pad - 4 - n; rest > 0 && rest < 4 {
				n -= 4 - rest
			}
			pad -= 4 + n
			b = appendFLACBlock(b, 1, pad <= 0, func(b []byte) []byte { return append(b, make([]byte, n)...) })
		}
		return b
	}
	b := head(0)
	if pad := m.size - len(b) - len(frames); pad >= 4 {
		b = head(pad)
	}
	return append(b, frames...)
}

func appendFLACBlock(b []byte, typ byte, last bool, fill func([]byte) []byte) []byte {
	if last {
		typ |= 0x80
	}
	start := len(b)
	b = append(b, typ, 0, 0, 0)
	b = fill(b)
	n := len(b) - start - 4
	b[start+1], b[start+2], b[start+3] = byte(n>>16), byte(n>>8), byte(n)
	return b
}

func appendVorbisString(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint32(b, uint32(len(s))), s...)
}

// flacFrames encodes the silence: per block a frame header (the block size at its end, the rate
// from STREAMINFO, 16-bit samples), one CONSTANT zero subframe per channel and the CRCs.
func flacFrames(m mediaSpec) []byte {
	var b []byte
	for n, done := 0, 0; done < m.samples; n++ {
		block := min(flacBlock, m.samples-done)
		done += block
		start := len(b)
		b = append(b, 0xFF, 0xF8)
		b = append(b, 0x70)                          // block size: 16 bits at the end; rate from STREAMINFO
		b = append(b, byte(m.channels-1)<<4|0x04<<1) // independent channels, 16 bits per sample
		b = appendFLACNumber(b, uint64(n))
		b = binary.BigEndian.AppendUint16(b, uint16(block-1))
		b = append(b, crc8(b[start:]))
		for range m.channels {
			b = append(b, 0x00, 0, 0) // CONSTANT subframe, no wasted bits, value 0
		}
		b = binary.BigEndian.AppendUint16(b, crc16(b[start:]))
	}
	return b
}

// appendFLACNumber writes a frame number in FLAC's UTF-8-like coding.
func appendFLACNumber(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	n := 2
	for v >= 1<<(5*n+1) {
		n++
	}
	first := byte(0xFF<<(8-n)) | byte(v>>(6*(n-1)))
	b = append(b, first)
	for i := n - 2; i >= 0; i-- {
		b = append(b, 0x80|byte(v>>(6*i))&0x3F)
	}
	return b
}

func crc8(data []byte) byte {
	var c byte
	for _, d := range data {
		c ^= d
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
	}
	return c
}

func crc16(data []byte) uint16 {
	var c uint16
	for _, d := range data {
		c ^= uint16(d) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8005
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// renderMP3 writes what FFmpeg's MP3 muxer writes through PyAV: an ID3v2.4 tag carrying the
// prompt in a TXXX frame, then MPEG audio frames of silence (a zero side info decodes to
// silence). Padding goes into the tag, whose spare room ID3 fills with zeros.
func renderMP3(m mediaSpec) []byte {
	header, frameLen, perFrame := mp3Header(m.rate, m.channels)
	frames := (m.samples + perFrame - 1) / perFrame
	var body []byte
	if len(m.meta) > 0 {
		body = append(body, "TXXX"...)
		data := append(append([]byte{3}, "prompt\x00"...), m.meta...)
		body = appendSyncsafe(body, len(data))
		body = append(append(body, 0, 0), data...)
	}
	const tagHead = 10
	if pad := m.size - tagHead - len(body) - frames*frameLen; pad > 0 {
		body = append(body, make([]byte, pad)...)
	}
	b := append([]byte("ID3"), 4, 0, 0)
	b = append(appendSyncsafe(b, len(body)), body...)
	frame := append(header[:], make([]byte, frameLen-4)...)
	for range frames {
		b = append(b, frame...)
	}
	return b
}

// mp3Header is the frame header for 128 kbit/s at the rate (MPEG-1 for 32, 44.1 and 48 kHz,
// MPEG-2 for 16, 22.05 and 24 kHz, else 44.1 kHz), the frame length and samples per frame.
func mp3Header(rate, channels int) ([4]byte, int, int) {
	mode := byte(0x00) // stereo
	if channels == 1 {
		mode = 0xC0
	}
	lsf := map[int]byte{22050: 0, 24000: 1, 16000: 2}
	if idx, ok := lsf[rate]; ok {
		return [4]byte{0xFF, 0xF3, 12<<4 | idx<<2, mode}, 72 * 128000 / rate, 576
	}
	idx, ok := map[int]byte{44100: 0, 48000: 1, 32000: 2}[rate]
	if !ok {
		rate, idx = 44100, 0
	}
	return [4]byte{0xFF, 0xFB, 9<<4 | idx<<2, mode}, 144 * 128000 / rate, 1152
}

func appendSyncsafe(b []byte, n int) []byte {
	return append(b, byte(n>>21)&0x7F, byte(n>>14)&0x7F, byte(n>>7)&0x7F, byte(n)&0x7F)
}

// opusSilence is a 20 ms CELT frame of silence (TOC 0xF8), as encoders send in DTX.
var opusSilence = []byte{0xF8, 0xFF, 0xFE}

// renderOpus writes an Ogg Opus stream (RFC 7845) as FFmpeg's libopus muxer does: OpusHead alone
// on the first page, OpusTags with the prompt from the second, then pages of 20 ms packets with
// granule positions at 48 kHz. Padding goes after the comments of OpusTags, where RFC 7845 lets
// a writer put data that readers may discard (first byte even). Lacing makes some lengths
// unreachable with a given page count, so the number of pages OpusTags spreads over is chosen
// too; when no choice hits the asked size the file ends just above it.
func renderOpus(m mediaSpec) []byte {
	const preSkip = 312
	head := append([]byte("OpusHead"), 1, byte(m.channels))
	head = binary.LittleEndian.AppendUint16(head, preSkip)
	head = binary.LittleEndian.AppendUint32(head, uint32(m.rate))
	head = append(head, 0, 0, 0) // output gain, mapping family 0
	tags := appendVorbisString([]byte("OpusTags"), "comfytest")
	if len(m.meta) > 0 {
		tags = appendVorbisString(binary.LittleEndian.AppendUint32(tags, 1), "prompt="+string(m.meta))
	} else {
		tags = binary.LittleEndian.AppendUint32(tags, 0)
	}
	packets := max(1, int((int64(m.samples)*48000/int64(m.rate)+959)/960))
	audio := make([][]byte, packets)
	granules := make([]uint64, packets)
	for i := range audio {
		audio[i] = opusSilence
		granules[i] = uint64(preSkip + (i+1)*960)
	}
	build := func(pad, tagPages int) []byte {
		var o oggWriter
		o.packet(head, 0, 1, 0x02)
		o.packet(append(append([]byte(nil), tags...), make([]byte, pad)...), 0, tagPages, 0)
		o.packets(audio, granules, 0x04)
		return o.b
	}
	out := build(0, 1)
	unpadded := oggPacketSize(len(tags), oggMinPages(len(tags)))
	if target := m.size - (len(out) - unpadded); target > unpadded {
		pad, pages := oggPadding(target, len(tags))
		out = build(pad, pages)
	}
	return out
}

// oggPacketSize is what a packet of n bytes on its own pages costs: 27 header bytes per page,
// n/255+1 lacing values and the data.
func oggPacketSize(n, pages int) int { return 27*pages + n/255 + 1 + n }

// oggMinPages is the fewest pages a packet of n bytes fits on: 255 lacing values each.
func oggMinPages(n int) int { return (n/255 + 1 + 254) / 255 }

// oggPadding finds the padding of a packet of n bytes and its page count such that it costs
// exactly target bytes, or the least above it when none does.
func oggPadding(target, n int) (pad, pages int) {
	bestPad, bestPages, best := 0, 1, math.MaxInt
	for p := 1; 27*p < target; p++ {
		t := target - 27*p // = L + L/255 + 1 for the packet length L
		guess := (t - 1) * 255 / 256
		for l := max(n, guess-1); l <= guess+2; l++ {
			if p < oggMinPages(l) || p > l/255+1 {
				continue
			}
			size := oggPacketSize(l, p)
			if size == target {
				return l - n, p
			}
			if size > target && size < best {
				bestPad, bestPages, best = l-n, p, size
			}
		}
		if guess+2 < n {
			break
		}
	}
	return bestPad, bestPages
}

// oggWriter lays packets into the pages of one logical stream.
type oggWriter struct {
	b   []byte
	seq uint32
}

type oggSegment struct {
	lace    byte
	data    []byte
	granule uint64 // where the packet ends, on its last segment
	end     bool
}

// packet writes one packet on pages of its own, spread evenly over at least pages of them.
func (o *oggWriter) packet(p []byte, granule uint64, pages int, flags byte) {
	o.write(oggSegments([][]byte{p}, []uint64{granule}), pages, flags)
}

// packets writes packets from a fresh page on, as few pages as lacing allows.
func (o *oggWriter) packets(ps [][]byte, granules []uint64, flags byte) {
	o.write(oggSegments(ps, granules), 1, flags)
}

func oggSegments(ps [][]byte, granules []uint64) []oggSegment {
	var segs []oggSegment
	for i, p := range ps {
		for len(p) >= 255 {
			segs = append(segs, oggSegment{lace: 255, data: p[:255]})
			p = p[255:]
		}
		segs = append(segs, oggSegment{lace: byte(len(p)), data: p, granule: granules[i], end: true})
	}
	return segs
}

// write puts segments on pages of at most 255 segments each; flags 0x02 (beginning of stream)
// marks the first page, 0x04 (end of stream) the last. A page's granule position is that of the
// last packet ending on it, or -1 when none does.
func (o *oggWriter) write(segs []oggSegment, pages int, flags byte) {
	pages = max(pages, (len(segs)+254)/255)
	continued := false
	for i, start := 0, 0; i < pages; i++ {
		n := len(segs) / pages
		if i < len(segs)%pages {
			n++
		}
		chunk := segs[start : start+n]
		start += n
		typ := byte(0)
		if continued {
			typ |= 0x01
		}
		if i == 0 {
			typ |= flags & 0x02
		}
		if i == pages-1 {
			typ |= flags & 0x04
		}
		granule := uint64(math.MaxUint64)
		for _, s := range chunk {
			if s.end {
				granule = s.granule
			}
		}
		at := len(o.b)
		o.b = append(o.b, "OggS"...)
		o.b = append(o.b, 0, typ)
		o.b = binary.LittleEndian.AppendUint64(o.b, granule)
		o.b = binary.LittleEndian.AppendUint32(o.b, 0x636f6d66) // stream serial
		o.b = binary.LittleEndian.AppendUint32(o.b, o.seq)
		o.b = append(o.b, 0, 0, 0, 0, byte(len(chunk)))
		for _, s := range chunk {
			o.b = append(o.b, s.lace)
		}
		for _, s := range chunk {
			o.b = append(o.b, s.data...)
		}
		binary.LittleEndian.PutUint32(o.b[at+22:], oggCRC(o.b[at:]))
		o.seq++
		continued = !chunk[len(chunk)-1].end
	}
}

var oggTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04C11DB7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

// oggCRC is Ogg's page checksum: CRC-32 with polynomial 0x04C11DB7, unreflected, no final xor.
func oggCRC(page []byte) uint32 {
	var c uint32
	for _, d := range page {
		c = c<<8 ^ oggTable[byte(c>>24)^d]
	}
	return c
}
