package comfytest

import (
	"slices"
	"time"
)

type knobs struct {
	jobDuration     time.Duration
	imagesPerOutput int
	imageW, imageH  int
	extraBytes      int
	mediaBytes      int
	previews        bool
	failNext        bool
	failClass       string
	failHTTP        int
	failStatus      int
	latency         time.Duration
}

// SetJobDuration sets how long a job takes, spread over its nodes and progress steps. Zero (the
// default) runs jobs as fast as possible, without timers.
func (s *Server) SetJobDuration(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.jobDuration = d
}

// SetImagesPerOutput makes every image output node produce n images; 0 uses the batch size.
func (s *Server) SetImagesPerOutput(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.imagesPerOutput = n
}

// SetImageSize forces the size of output images; 0, 0 uses the workflow's size (512×512 when the
// workflow does not say).
func (s *Server) SetImageSize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.imageW, s.knobs.imageH = w, h
}

// SetExtraBytes adds n bytes of padding to every saved image, to test large downloads cheaply.
func (s *Server) SetExtraBytes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.extraBytes = n
}

// SetMediaBytes makes every video, audio and animated image file saved from now on n bytes long,
// padded inside the container where readers skip it (a free box, a Void element, PADDING blocks,
// the ID3 tag, a comment chunk or extension), to test oversize deliveries cheaply. A file never
// gets shorter than its unpadded form; WebP sizes are even (RIFF pads chunks) and an Opus file may
// end a few bytes beyond n when Ogg's lacing cannot end it at n. 0 (the default) leaves them
// unpadded. Still images follow SetExtraBytes.
func (s *Server) SetMediaBytes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.mediaBytes = n
}

// SetPreviews turns sampler previews on, as ComfyUI does with --preview-method auto; they are off
// by default like the recorded server's.
func (s *Server) SetPreviews(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.previews = on
}

// FailNextJob makes the next job that starts raise a RuntimeError in its first node that runs.
func (s *Server) FailNextJob() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.failNext = true
}

// FailClass makes every node of this class raise a RuntimeError; "" stops it.
func (s *Server) FailClass(class string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.failClass = class
}

// FailHTTP makes the next n REST calls (not WebSocket handshakes) fail with status.
func (s *Server) FailHTTP(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.failHTTP, s.knobs.failStatus = n, status
}

// SetLatency delays every REST response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.latency = d
}

// SetModels replaces the file names of a model folder (e.g. "checkpoints", "loras").
func (s *Server) SetModels(folder string, names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models[folder] = slices.Clone(names)
	s.infoJSON = nil
}
