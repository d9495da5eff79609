package comfytest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/gif"
	"image/png"
	"math"
	"net/http"
	"strings"
	"testing"
)

// The checks below read the files back by their specifications (PNG/APNG, GIF89a, RIFF/WebP and
// RFC 9649, ISO BMFF, EBML/Matroska, FLAC RFC 9639, ID3v2.4 and MPEG audio frames, Ogg RFC 3533
// with Opus RFC 7845): every size, checksum and count must add up, so a file a real reader
// would reject fails here.

func TestMediaFilesAreWellFormed(t *testing.T) {
	meta := []byte(`{"1":{"class_type":"EmptyImage"}}`)
	cases := []struct {
		name  string
		spec  mediaSpec
		sniff string // http.DetectContentType, where Go knows the format
		check func(t *testing.T, m mediaSpec, b []byte)
	}{
		{"animated PNG", mediaSpec{format: "apng", w: 20, h: 10, frames: 3, fps: 6, color: colorOf(0x336699), meta: meta}, "image/png", checkAPNG},
		{"animated PNG of one frame", mediaSpec{format: "apng", w: 5, h: 5, frames: 1, fps: 6, color: colorOf(0)}, "image/png", checkAPNG},
		{"GIF", mediaSpec{format: "gif", w: 20, h: 10, frames: 4, fps: 8, loop: 2, color: colorOf(0x336699)}, "image/gif", checkGIF},
		{"animated WebP", mediaSpec{format: "webp", w: 20, h: 10, frames: 3, fps: 6, color: colorOf(0x336699), meta: meta}, "image/webp", checkWebP},
		{"WebP of one frame", mediaSpec{format: "webp", w: 300, h: 7, frames: 1, fps: 6, color: colorOf(0xabcdef)}, "image/webp", checkWebP},
		{"MP4", mediaSpec{format: "mp4", w: 64, h: 48, frames: 24, fps: 24}, "video/mp4", checkMP4},
		{"QuickTime", mediaSpec{format: "mov", w: 64, h: 48, frames: 24, fps: 24}, "", checkMP4},
		{"WebM", mediaSpec{format: "webm", codec: "V_VP9", w: 64, h: 48, frames: 12, fps: 24}, "video/webm", checkMatroska},
		{"Matroska", mediaSpec{format: "mkv", codec: "V_FFV1", w: 640, h: 480, frames: 12, fps: 24}, "video/webm", checkMatroska},
		{"FLAC", mediaSpec{format: "flac", rate: 44100, channels: 2, samples: 44100, meta: meta}, "", checkFLAC},
		{"FLAC mono of many blocks", mediaSpec{format: "flac", rate: 48000, channels: 1, samples: 48000 * 30}, "", checkFLAC},
		{"MP3", mediaSpec{format: "mp3", rate: 44100, channels: 2, samples: 44100, meta: meta}, "audio/mpeg", checkMP3},
		{"MP3 at 24 kHz mono", mediaSpec{format: "mp3", rate: 24000, channels: 1, samples: 12000}, "audio/mpeg", checkMP3},
		{"Opus", mediaSpec{format: "opus", rate: 48000, channels: 2, samples: 48000, meta: meta}, "application/ogg", checkOpus},
		{"Opus of many pages", mediaSpec{format: "opus", rate: 48000, channels: 1, samples: 48000 * 20}, "application/ogg", checkOpus},
	}
	var pngs pngCache
	for _, tc := range cases {
		for _, size := range []int{0, 5000, 70_000, 1_000_003} {
			t.Run(fmt.Sprintf("%s padded to %d", tc.name, size), func(t *testing.T) {
				m := tc.spec
				m.size, m.seed = size, 7
				b, err := m.render(&pngs)
				if err != nil {
					t.Fatal(err)
				}
				if tc.sniff != "" {
					if got := http.DetectContentType(b); got != tc.sniff {
						t.Errorf("sniffed as %s, want %s", got, tc.sniff)
					}
				}
				tc.check(t, m, b)
				unpadded := tc.spec
				plain, _ := unpadded.render(&pngs)
				switch {
				case size <= len(plain):
					if len(b) != len(plain) {
						t.Errorf("%d bytes, want the unpadded %d", len(b), len(plain))
					}
				case m.format == "webp":
					if len(b) != size+size%2 {
						t.Errorf("%d bytes, want %d rounded up to even", len(b), size)
					}
				case m.format == "opus":
					if len(b) < size || len(b) > size+30 {
						t.Errorf("%d bytes, want %d or just above", len(b), size)
					}
				case m.format == "webm" || m.format == "mkv":
					if len(b) > size || len(b) < size-2 {
						t.Errorf("%d bytes, want %d or just below", len(b), size)
					}
				default:
					if len(b) != size {
						t.Errorf("%d bytes, want %d", len(b), size)
					}
				}
			})
		}
	}
}

func TestOggPaddingHitsEveryReachableSize(t *testing.T) {
	const packet = 40
	missed := 0
	for target := oggPacketSize(packet, 1) + 1; target < 200_000; target += 7 {
		pad, pages := oggPadding(target, packet)
		got := oggPacketSize(packet+pad, pages)
		if got < target {
			t.Fatalf("target %d: %d bytes, below it", target, got)
		}
		if pages < oggMinPages(packet+pad) {
			t.Fatalf("target %d: %d pages cannot hold %d bytes", target, pages, packet+pad)
		}
		if got != target {
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d targets missed", missed)
	}
}

// chunks walks the chunks of a PNG, checking their CRCs.
func pngChunks(t *testing.T, b []byte) (types []string, data [][]byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("no PNG signature")
	}
	for rest := b[8:]; len(rest) > 0; {
		if len(rest) < 12 {
			t.Fatalf("%d stray bytes at the end", len(rest))
		}
		n := int(binary.BigEndian.Uint32(rest))
		if 12+n > len(rest) {
			t.Fatalf("chunk %q overruns the file", rest[4:8])
		}
		if crc := crc32.ChecksumIEEE(rest[4 : 8+n]); crc != binary.BigEndian.Uint32(rest[8+n:]) {
			t.Fatalf("chunk %q: bad CRC", rest[4:8])
		}
		types = append(types, string(rest[4:8]))
		data = append(data, rest[8:8+n])
		rest = rest[12+n:]
	}
	return types, data
}

func checkAPNG(t *testing.T, m mediaSpec, b []byte) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the default image does not decode: %v", err)
	}
	if img.Bounds().Dx() != m.w || img.Bounds().Dy() != m.h {
		t.Errorf("size %v", img.Bounds())
	}
	types, data := pngChunks(t, b)
	seq, frames, firstIDAT := uint32(0), 0, -1
	for i, typ := range types {
		switch typ {
		case "acTL":
			if got := binary.BigEndian.Uint32(data[i]); int(got) != m.frames || firstIDAT >= 0 {
				t.Errorf("acTL: %d frames (want %d), before IDAT: %v", got, m.frames, firstIDAT < 0)
			}
		case "fcTL", "fdAT":
			if got := binary.BigEndian.Uint32(data[i]); got != seq {
				t.Fatalf("%s sequence %d, want %d", typ, got, seq)
			}
			seq++
			if typ == "fcTL" {
				frames++
				if delay := binary.BigEndian.Uint16(data[i][20:]); int(delay) != int(1000/m.fps) {
					t.Errorf("frame delay %d ms", delay)
				}
			}
		case "IDAT":
			if firstIDAT < 0 {
				firstIDAT = i
			}
		case "comf":
			if string(data[i]) != "prompt\x00"+string(m.meta) {
				t.Errorf("comf chunk %q", data[i])
			}
		}
	}
	if frames != m.frames || types[len(types)-1] != "IEND" {
		t.Errorf("%d frame controls (want %d), chunks %v", frames, m.frames, types)
	}
}

func checkGIF(t *testing.T, m mediaSpec, b []byte) {
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != m.frames || g.Config.Width != m.w || g.Config.Height != m.h || g.LoopCount != m.loop {
		t.Errorf("%d frames of %dx%d looping %d, want %d of %dx%d looping %d",
			len(g.Image), g.Config.Width, g.Config.Height, g.LoopCount, m.frames, m.w, m.h, m.loop)
	}
	if r, gg, bb, _ := g.Image[0].At(0, 0).RGBA(); r>>8 != uint32(m.color.R) || gg>>8 != uint32(m.color.G) || bb>>8 != uint32(m.color.B) {
		t.Errorf("colour %v", g.Image[0].At(0, 0))
	}
}

func checkWebP(t *testing.T, m mediaSpec, b []byte) {
	if string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" || int(binary.LittleEndian.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("bad RIFF header % x", b[:12])
	}
	var fourCCs []string
	var vp8l [][]byte
	var walk func(b []byte)
	walk = func(b []byte) {
		for len(b) > 0 {
			if len(b) < 8 {
				t.Fatalf("%d stray bytes", len(b))
			}
			id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:]))
			if 8+n > len(b) {
				t.Fatalf("chunk %s overruns", id)
			}
			fourCCs = append(fourCCs, id)
			body := b[8 : 8+n]
			switch id {
			case "ANMF":
				if w, h := int(body[6])|int(body[7])<<8|int(body[8])<<16, int(body[9])|int(body[10])<<8|int(body[11])<<16; w+1 != m.w || h+1 != m.h {
					t.Errorf("frame %dx%d", w+1, h+1)
				}
				walk(body[16:])
			case "VP8L":
				vp8l = append(vp8l, body)
			case "EXIF":
				if !bytes.Contains(body, append([]byte("prompt:"), m.meta...)) {
					t.Error("EXIF lacks the prompt")
				}
			}
			b = b[8+n+n%2:]
		}
	}
	walk(b[12:])
	if fourCCs[0] != "VP8X" {
		t.Fatalf("chunks %v", fourCCs)
	}
	x := b[20:30]
	if w, h := int(x[4])|int(x[5])<<8|int(x[6])<<16, int(x[7])|int(x[8])<<8|int(x[9])<<16; w+1 != m.w || h+1 != m.h {
		t.Errorf("canvas %dx%d", w+1, h+1)
	}
	if anim := x[0]&0x02 != 0; anim != (m.frames > 1) {
		t.Errorf("animation flag %v for %d frames", anim, m.frames)
	}
	if len(vp8l) != m.frames {
		t.Fatalf("%d bitstreams for %d frames (%v)", len(vp8l), m.frames, fourCCs)
	}
	checkVP8L(t, vp8l[0], m)
}

// checkVP8L reads the bitstream back: header, no transforms, and five simple one-symbol codes
// holding the colour.
func checkVP8L(t *testing.T, b []byte, m mediaSpec) {
	pos := uint(0)
	read := func(n uint) uint64 {
		var v uint64
		for i := range n {
			if bit := b[(pos+i)/8] >> ((pos + i) % 8) & 1; bit == 1 {
				v |= 1 << i
			}
		}
		pos += n
		return v
	}
	if read(8) != 0x2f || int(read(14))+1 != m.w || int(read(14))+1 != m.h {
		t.Fatal("bad VP8L header")
	}
	read(1)
	if read(3) != 0 || read(1) != 0 || read(1) != 0 || read(1) != 0 {
		t.Fatal("unexpected version, transform, colour cache or meta codes")
	}
	var syms []uint64
	for i := range 5 {
		if read(1) != 1 || read(1) != 0 {
			t.Fatalf("code %d is not a simple one-symbol code", i)
		}
		if read(1) == 1 {
			syms = append(syms, read(8))
		} else {
			syms = append(syms, read(1))
		}
	}
	c := m.color
	if want := []uint64{uint64(c.G), uint64(c.R), uint64(c.B), uint64(c.A), 0}; fmt.Sprint(syms) != fmt.Sprint(want) {
		t.Errorf("symbols %v, want %v", syms, want)
	}
	if int(pos+7)/8 != len(b) {
		t.Errorf("%d bits in %d bytes", pos, len(b))
	}
}

func checkMP4(t *testing.T, m mediaSpec, b []byte) {
	var boxes []string
	for rest := b; len(rest) > 0; {
		if len(rest) < 8 {
			t.Fatalf("%d stray bytes", len(rest))
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n < 8 || n > len(rest) {
			t.Fatalf("box %q of %d bytes in %d", rest[4:8], n, len(rest))
		}
		typ := string(rest[4:8])
		boxes = append(boxes, typ)
		switch typ {
		case "ftyp":
			brand := string(rest[8:12])
			if (m.format == "mov") != (brand == "qt  ") {
				t.Errorf("major brand %q for %s", brand, m.format)
			}
		case "moov":
			mvhd := rest[8:n]
			if string(mvhd[4:8]) != "mvhd" || binary.BigEndian.Uint32(mvhd) != 108 {
				t.Fatalf("moov holds %q", mvhd[4:8])
			}
			scale, dur := binary.BigEndian.Uint32(mvhd[20:]), binary.BigEndian.Uint32(mvhd[24:])
			if want := uint32(m.seconds() * float64(scale)); dur != want {
				t.Errorf("duration %d/%d, want %d", dur, scale, want)
			}
		}
		rest = rest[n:]
	}
	if boxes[0] != "ftyp" || boxes[1] != "moov" || boxes[len(boxes)-1] != "mdat" {
		t.Errorf("boxes %v", boxes)
	}
}

// ebml reads an element at b: its ID, its content and the rest.
func ebml(t *testing.T, b []byte) (uint32, []byte, []byte) {
	t.Helper()
	idLen := 1
	for idLen <= 4 && b[0]&(0x80>>(idLen-1)) == 0 {
		idLen++
	}
	var id uint32
	for _, c := range b[:idLen] {
		id = id<<8 | uint32(c)
	}
	b = b[idLen:]
	k := 1
	for k <= 8 && b[0]&(0x80>>(k-1)) == 0 {
		k++
	}
	n := uint64(b[0] & (0xFF >> k))
	for _, c := range b[1:k] {
		n = n<<8 | uint64(c)
	}
	b = b[k:]
	if n > uint64(len(b)) {
		t.Fatalf("element %x of %d bytes in %d", id, n, len(b))
	}
	return id, b[:n], b[n:]
}

func checkMatroska(t *testing.T, m mediaSpec, b []byte) {
	id, header, rest := ebml(t, b)
	if id != 0x1A45DFA3 {
		t.Fatalf("starts with %x", id)
	}
	doc := ""
	for len(header) > 0 {
		var v []byte
		id, v, header = ebml(t, header)
		if id == 0x4282 {
			doc = string(v)
		}
	}
	if want := map[string]string{"webm": "webm", "mkv": "matroska"}[m.format]; doc != want {
		t.Errorf("DocType %q, want %q", doc, want)
	}
	id, segment, rest := ebml(t, rest)
	if id != 0x18538067 || len(rest) != 0 {
		t.Fatalf("segment %x followed by %d bytes", id, len(rest))
	}
	var width, height uint64
	var codec string
	var walk func(b []byte)
	walk = func(b []byte) {
		for len(b) > 0 {
			var v []byte
			id, v, b = ebml(t, b)
			switch id {
			case 0x1654AE6B, 0xAE, 0xE0:
				walk(v)
			case 0x86:
				codec = string(v)
			case 0xB0:
				width = binary.BigEndian.Uint64(v)
			case 0xBA:
				height = binary.BigEndian.Uint64(v)
			}
		}
	}
	walk(segment)
	if int(width) != m.w || int(height) != m.h || codec != m.codec {
		t.Errorf("track %s %dx%d, want %s %dx%d", codec, width, height, m.codec, m.w, m.h)
	}
}

func checkFLAC(t *testing.T, m mediaSpec, b []byte) {
	if string(b[:4]) != "fLaC" {
		t.Fatal("no fLaC marker")
	}
	rest := b[4:]
	var comments []byte
	for first := true; ; first = false {
		typ, n := rest[0], int(rest[1])<<16|int(rest[2])<<8|int(rest[3])
		if 4+n > len(rest) {
			t.Fatalf("block %d overruns", typ&0x7f)
		}
		body := rest[4 : 4+n]
		switch typ & 0x7f {
		case 0:
			if !first || n != 34 {
				t.Fatal("STREAMINFO is not the first block of 34 bytes")
			}
			v := binary.BigEndian.Uint64(body[10:])
			if int(v>>44) != m.rate || int(v>>41&7)+1 != m.channels || int(v&(1<<36-1)) != m.samples {
				t.Errorf("STREAMINFO says %d Hz, %d channels, %d samples", v>>44, v>>41&7+1, v&(1<<36-1))
			}
		case 4:
			comments = body
		case 1:
			if bytes.Count(body, []byte{0}) != n {
				t.Error("PADDING holds non-zero bytes")
			}
		}
		rest = rest[4+n:]
		if typ&0x80 != 0 {
			break
		}
	}
	if len(m.meta) > 0 && !bytes.Contains(comments, append([]byte("prompt="), m.meta...)) {
		t.Error("no prompt comment")
	}
	samples := 0
	for len(rest) > 0 {
		if rest[0] != 0xFF || rest[1] != 0xF8 {
			t.Fatalf("no frame sync at % x", rest[:2])
		}
		i := 4
		for rest[i]&0xC0 == 0x80 || i == 4 {
			i++ // the UTF-8 coded frame number
		}
		block := int(binary.BigEndian.Uint16(rest[i:])) + 1
		if crc8(rest[:i+2]) != rest[i+2] {
			t.Fatal("bad frame header CRC")
		}
		end := i + 3 + 3*m.channels
		if crc16(rest[:end]) != binary.BigEndian.Uint16(rest[end:]) {
			t.Fatal("bad frame CRC")
		}
		samples += block
		rest = rest[end+2:]
	}
	if samples != m.samples {
		t.Errorf("frames hold %d samples, want %d", samples, m.samples)
	}
}

func checkMP3(t *testing.T, m mediaSpec, b []byte) {
	if string(b[:3]) != "ID3" || b[3] != 4 {
		t.Fatal("no ID3v2.4 tag")
	}
	size := int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
	tag := b[10 : 10+size]
	if len(m.meta) > 0 && (string(tag[:4]) != "TXXX" || !bytes.Contains(tag, append([]byte("prompt\x00"), m.meta...))) {
		t.Error("no TXXX prompt frame")
	}
	frames := b[10+size:]
	_, frameLen, perFrame := mp3Header(m.rate, m.channels)
	if len(frames)%frameLen != 0 {
		t.Fatalf("%d bytes of frames of %d", len(frames), frameLen)
	}
	n := 0
	for ; len(frames) > 0; frames = frames[frameLen:] {
		if frames[0] != 0xFF || frames[1]&0xE0 != 0xE0 {
			t.Fatalf("frame %d has no sync", n)
		}
		if mono := frames[3]&0xC0 == 0xC0; mono != (m.channels == 1) {
			t.Errorf("frame %d: mono %v", n, mono)
		}
		n++
	}
	if n*perFrame < m.samples || (n-1)*perFrame >= m.samples {
		t.Errorf("%d frames of %d samples for %d", n, perFrame, m.samples)
	}
}

func checkOpus(t *testing.T, m mediaSpec, b []byte) {
	var packets [][]byte
	var partial []byte
	var lastGranule uint64
	for seq := uint32(0); len(b) > 0; seq++ {
		if string(b[:4]) != "OggS" || b[4] != 0 {
			t.Fatalf("page %d: no capture pattern", seq)
		}
		typ := b[5]
		if got := binary.LittleEndian.Uint32(b[18:]); got != seq {
			t.Fatalf("page sequence %d, want %d", got, seq)
		}
		if (typ&0x02 != 0) != (seq == 0) {
			t.Errorf("page %d: beginning-of-stream flag %v", seq, typ&0x02 != 0)
		}
		if (typ&0x01 != 0) != (partial != nil) {
			t.Errorf("page %d: continued flag %v with a packet open: %v", seq, typ&0x01 != 0, partial != nil)
		}
		nseg := int(b[26])
		lacing := b[27 : 27+nseg]
		size := 27 + nseg
		for _, l := range lacing {
			size += int(l)
		}
		page := append([]byte{}, b[:size]...)
		want := binary.LittleEndian.Uint32(page[22:])
		binary.LittleEndian.PutUint32(page[22:], 0)
		if oggCRC(page) != want {
			t.Fatalf("page %d: bad CRC", seq)
		}
		data := b[27+nseg : size]
		for _, l := range lacing {
			partial = append(partial, data[:l]...)
			data = data[l:]
			if l < 255 {
				packets = append(packets, partial)
				partial = nil
			}
		}
		if g := binary.LittleEndian.Uint64(b[6:]); g != math.MaxUint64 {
			lastGranule = g
		}
		b = b[size:]
		if len(b) == 0 && typ&0x04 == 0 {
			t.Error("the last page lacks the end-of-stream flag")
		}
	}
	if len(packets) < 3 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) || !bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		t.Fatalf("%d packets, the first %q", len(packets), packets[0][:8])
	}
	if int(packets[0][9]) != m.channels || int(binary.LittleEndian.Uint32(packets[0][12:])) != m.rate {
		t.Errorf("OpusHead % x", packets[0])
	}
	if len(m.meta) > 0 && !bytes.Contains(packets[1], append([]byte("prompt="), m.meta...)) {
		t.Error("OpusTags lacks the prompt")
	}
	audio := packets[2:]
	for _, p := range audio {
		if !bytes.Equal(p, opusSilence) {
			t.Fatalf("audio packet % x", p)
		}
	}
	preSkip := uint64(binary.LittleEndian.Uint16(packets[0][10:]))
	if want := preSkip + uint64(len(audio))*960; lastGranule != want || int(lastGranule-preSkip) < m.samples*48000/m.rate {
		t.Errorf("granule %d for %d packets and %d samples", lastGranule, len(audio), m.samples)
	}
}

func TestGuessTypeFollowsPython(t *testing.T) {
	for name, want := range map[string]string{
		"a.png": "image/png", "a.PNG": "image/png", "clip.mp4": "video/mp4", "x.opus": "audio/ogg", "x.wav": "audio/x-wav",
		"x.mkv": "video/x-matroska", "x.glb": "model/gltf-binary", "x.bin": "", "noext": "", "x.%03d.png": "image/png",
	} {
		if got := guessType(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string][2]string{
		"cat.png": {"cat", ".png"}, ".png": {".png", ""}, "..png": {"..png", ""}, "a.b.c": {"a.b", ".c"},
		"noext": {"noext", ""}, "dir.d/file": {"dir.d/file", ""}, "dir/.hidden": {"dir/.hidden", ""}, "dir/x.png": {"dir/x", ".png"},
	} {
		if stem, ext := pySplitext(name); stem != want[0] || ext != want[1] {
			t.Errorf("splitext(%q) = %q, %q, want %q", name, stem, ext, want)
		}
	}
	if strings.Contains(guessType("x.js"), "javascript") == false {
		t.Error("x.js is not javascript")
	}
}
