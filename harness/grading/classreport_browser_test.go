package grading

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// TestClassReportInChromium opens the class report of a fake batch in headless Chromium, as an
// instructor opens index.html from the disk: the page as the browser parsed it shows the
// batch's numbers and messages, and holds no element a submission wrote (--dump-dom); its
// screenshot is not blank and shows the charts in their colours (--screenshot).
func TestClassReportInChromium(t *testing.T) {
	integration.Require(t, chromiumNeed)
	browser := integration.Path(chromiumNames...)
	out := t.TempDir()
	if err := WriteClassReport(out, fakeClass(t, out), nil); err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: filepath.Join(out, IndexFile)}).String()

	dom := runChromium(t, browser, "--dump-dom", page)
	for _, want := range []string{
		`<b id="students">6</b>`, `<b id="graded">4</b>`, `<b id="timeouts">1</b>`,
		`<b>observed:</b> 3 partitions`, "not done within 15m0s: stopped", "4 passed, 1 skipped, 0 failed",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page in Chromium lacks %q", want)
		}
	}
	section2 := regexp.MustCompile(`(?s)<tr data-section="2">.*?<span class="pct">([^<]*)</span>`).FindStringSubmatch(dom)
	if section2 == nil || section2[1] != "83%" {
		t.Errorf("section 2's pass rate in Chromium: %v, want 83%%", section2)
	}
	// The browser's own parse: a submission's markup would be an element here.
	if strings.Contains(dom, "<script") || strings.Contains(dom, "<img") || !strings.Contains(dom, "&lt;script&gt;alert") {
		t.Error("Chromium parsed a submission's output as markup, or does not show it as text")
	}

	shot := filepath.Join(t.TempDir(), "page.png")
	runChromium(t, browser, "--screenshot="+shot, "--window-size=1200,1600", "--hide-scrollbars", page)
	m := measure(t, shot)
	t.Logf("screenshot %dx%d: %d distinct colours, %.1f%% not white; histogram blue %d px, bonus orange %d px, pass-rate green %d px",
		m.width, m.height, m.colours, 100*m.notWhite, m.blue, m.orange, m.green)
	if m.width != 1200 || m.height != 1600 {
		t.Errorf("screenshot %dx%d, want the window's 1200x1600", m.width, m.height)
	}
	// Text alone gives a few dozen colours (its antialiasing); a blank or failed page one or two.
	if m.colours < 50 || m.notWhite < 0.02 || m.notWhite > 0.6 {
		t.Errorf("the page looks blank or broken: %d colours, %.1f%% not white", m.colours, 100*m.notWhite)
	}
	// Bars of the fake class: the histogram's blue (bob's and frank's 11, erin's 6), alice's bonus
	// in orange, the sections' pass rates in green.
	if m.blue < 2000 || m.orange < 1000 || m.green < 1000 {
		t.Errorf("the charts are not drawn: %d blue, %d orange, %d green pixels", m.blue, m.orange, m.green)
	}
}

// chromiumNeed is the browser, which .ci/run installs (harness/setup.sh --tests).
var (
	chromiumNames = []string{"chromium", "chromium-browser"}
	chromiumNeed  = integration.Command("Chromium, to render the class report",
		"Debian: apt-get install chromium; bash harness/setup.sh --tests installs it", true, chromiumNames...)
)

// runChromium runs headless Chromium with a profile of its own and returns its stdout. A
// browser that hangs is stopped with its child processes, which share its process group.
func runChromium(t *testing.T, browser string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args = append([]string{"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-background-networking",
		"--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, browser, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", browser, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// shotMeasure is what a screenshot holds.
type shotMeasure struct {
	width, height       int
	colours             int
	notWhite            float64 // the share of pixels that are not (near) white
	blue, orange, green int     // pixels of the page's chart colours
}

func measure(t *testing.T, path string) shotMeasure {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	m := shotMeasure{width: b.Dx(), height: b.Dy()}
	colours := map[color.RGBA]bool{}
	notWhite := 0
	// The CSS colours of the histogram's bars, the bonus part and the pass-rate fill.
	blue, orange, green := color.RGBA{0x2f, 0x6f, 0xb3, 0xff}, color.RGBA{0xe0, 0x96, 0x2b, 0xff}, color.RGBA{0x2e, 0x8b, 0x57, 0xff}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			colours[c] = true
			if c.R < 245 || c.G < 245 || c.B < 245 {
				notWhite++
			}
			switch {
			case near(c, blue):
				m.blue++
			case near(c, orange):
				m.orange++
			case near(c, green):
				m.green++
			}
		}
	}
	m.colours, m.notWhite = len(colours), float64(notWhite)/float64(b.Dx()*b.Dy())
	return m
}

// near allows for the browser's colour management, which may shift a colour by a few steps.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= 8 && d(a.G, b.G) <= 8 && d(a.B, b.B) <= 8
}
