package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// resultGolden are result messages of outputs other than images, kept in
// testdata/NAME.golden beside TestGolden's (go test -update rewrites both).
func resultGolden() map[string]Result {
	j := testJob(model.StatusCompleted)
	return map[string]Result{
		"result_mixed": {
			Job: j, Now: testNow,
			Files:  []string{"AnimateDiff_00001.mp4", "ComfyUI_00001_.png", "ComfyUI_00002_.flac"},
			Kinds:  []model.OutputKind{model.KindVideo, model.KindImage, model.KindAudio},
			Shrunk: []ShrunkFile{{Name: "AnimateDiff_00001.webm", From: 26_542_080, To: 9_961_472}},
			Texts:  []ResultText{{NodeID: "12", Text: "a **cat**, @everyone"}},
		},
		"result_left": {
			Job: j, Now: testNow,
			Left:  []LeftFile{{Path: "video/ComfyUI_00001_.mp4", Kind: model.KindVideo, Bytes: 26_542_080, Limit: 10 << 20}},
			Texts: []ResultText{{NodeID: "7", Text: "caption: a fox"}, {NodeID: "9", Text: ""}},
		},
		"result_nothing": {Job: j, Now: testNow},
	}
}

func TestResultGolden(t *testing.T) {
	for name, r := range resultGolden() {
		t.Run(name, func(t *testing.T) {
			payload := ResultMessage(r).Create()
			checkLimits(t, payload)
			got := marshal(t, payload)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s", path, got)
			}
		})
	}
}

func TestResultNamesWhatWasMade(t *testing.T) {
	tests := []struct {
		name  string
		r     Result
		want  []string
		image string // the attachment the embed shows; "" for none
	}{
		{"a video", Result{Files: []string{"v.mp4"}, Kinds: []model.OutputKind{model.KindVideo}}, []string{"your video is ready"}, ""},
		{"two audio files", Result{Files: []string{"a.flac", "b.flac"}, Kinds: []model.OutputKind{model.KindAudio, model.KindAudio}}, []string{"your 2 audio files are ready"}, ""},
		{"an animation", Result{Files: []string{"a.webp"}, Kinds: []model.OutputKind{model.KindAnimation}}, []string{"your animation is ready"}, "a.webp"},
		{"a mix", Result{Files: []string{"v.mp4", "i.png"}, Kinds: []model.OutputKind{model.KindVideo, model.KindImage}}, []string{"your 2 files are ready"}, "i.png"},
		{"old images without kinds", Result{Files: []string{"a.png", "b.png"}}, []string{"your 2 images are ready"}, "a.png"},
		{"a later part of a mix", Result{Files: []string{"c.mp4"}, First: 2, Total: 3, Kinds: []model.OutputKind{model.KindImage, model.KindImage, model.KindVideo}}, []string{"here are files 3–3 of 3", "1 of 3 files in this message"}, ""},
		{"a shrunk video", Result{Files: []string{"v.mp4"}, Kinds: []model.OutputKind{model.KindVideo}, Shrunk: []ShrunkFile{{Name: "v.webm", From: 30 << 20, To: 9 << 20}}}, []string{"v.webm was re-encoded smaller to fit Discord's upload limit (30 MB → 9 MB)"}, ""},
		{"only a file too large", Result{Left: []LeftFile{{Path: "video/big_00001.mp4", Kind: model.KindVideo, Bytes: 26_542_080, Limit: 10 << 20}}},
			[]string{"your video is too large to post here", `big\_00001.mp4** is 25.3 MB, over the 10 MB upload limit`, `stays in ComfyUI's output folder as video/big\_00001.mp4`}, ""},
		{"two too large", Result{Left: []LeftFile{{Path: "a.wav", Kind: model.KindAudio, Bytes: 11 << 20, Limit: 10 << 20}, {Path: "b.wav", Kind: model.KindAudio, Bytes: 12 << 20, Limit: 10 << 20}}},
			[]string{"your 2 audio files are too large to post here", "a.wav** is 11 MB", "b.wav** is 12 MB"}, ""},
		{"text only", Result{Texts: []ResultText{{Text: "hello"}}}, []string{"your result is ready"}, ""},
		{"nothing at all", Result{}, []string{"made nothing to post", "Previews (PreviewImage and the like) are temporary and never posted"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Job, tt.r.Now = testJob(model.StatusCompleted), testNow
			m := ResultMessage(tt.r)
			checkLimits(t, m)
			all := m.Content + "\n" + m.Embeds[0].Description
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("result does not say %q:\n%s", w, all)
				}
			}
			img := m.Embeds[0].Image
			switch {
			case tt.image == "" && img != nil:
				t.Errorf("the embed shows %s, which is not an image", img.URL)
			case tt.image != "" && (img == nil || img.URL != "attachment://"+tt.image):
				t.Errorf("embed image = %+v, want attachment://%s", img, tt.image)
			}
		})
	}
}

func TestResultTextsAreEscapedAndCut(t *testing.T) {
	long := strings.Repeat("word ", 2000)
	r := Result{Job: hugeJob(model.StatusCompleted), Now: testNow, Files: []string{"a.png"}, Texts: []ResultText{
		{NodeID: "3", Text: "@everyone <@&1> *bold* <@" + otherID + ">"},
		{NodeID: "4", Text: long},
		{NodeID: "5", Text: "x"}, {NodeID: "6", Text: "x"}, {NodeID: "7", Text: "x"}, {NodeID: "8", Text: "x"},
	}}
	m := ResultMessage(r)
	checkLimits(t, m)
	var texts []string
	for _, f := range m.Embeds[0].Fields {
		if strings.HasPrefix(f.Name, "📝 Text") {
			texts = append(texts, f.Name+": "+f.Value)
		}
	}
	if len(texts) != resultTextsShown {
		t.Fatalf("%d text fields, want the first %d: %q", len(texts), resultTextsShown, texts)
	}
	if !strings.HasPrefix(texts[0], "📝 Text · node 3: ") || !strings.Contains(texts[0], `\@everyone \<\@&1> \*bold\*`) {
		t.Errorf("a text must name its node and show as typed: %s", texts[0])
	}
	if n := len([]rune(texts[1])); n > MaxFieldValue+50 || !strings.Contains(texts[1], "…") {
		t.Errorf("a long text is cut to fit a field: %d characters", n)
	}
	if !strings.Contains(m.Embeds[0].Description, "1 more text outputs are not shown") {
		t.Errorf("the texts left out are not counted:\n%s", m.Embeds[0].Description)
	}
	mentions := m.Create().AllowedMentions
	if len(mentions.Parse) != 0 || len(mentions.Roles) != 0 || len(mentions.Users) != 1 || mentions.Users[0].String() != ownerID {
		t.Errorf("only the owner may be pinged: %+v", mentions)
	}
	if md := markdownOf(m); strings.Contains(strings.ReplaceAll(md, `\@everyone`, ""), "@everyone") {
		t.Error("an unescaped @everyone reaches Discord's markdown")
	}
}

func TestMegabytes(t *testing.T) {
	for n, want := range map[int64]string{10 << 20: "10 MB", 26_542_080: "25.3 MB", 512 << 10: "0.5 MB", 25 << 20: "25 MB"} {
		if got := megabytes(n); got != want {
			t.Errorf("megabytes(%d) = %q, want %q", n, got, want)
		}
	}
}
