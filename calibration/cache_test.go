package calibration

import (
	"testing"

	"gocv.io/x/gocv"
)

func TestRectifierCache(t *testing.T) {
	var cache RectifierCache
	defer cache.Close()
	cam, err := FromCameraInfo(webcamInfo())
	if err != nil {
		t.Fatal(err)
	}
	first, err := cache.Get(cam)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := FromCameraInfo(webcamInfo()) // equal by value, not the same D slice
	if again, err := cache.Get(same); err != nil || again != first {
		t.Fatalf("same camera: got %p (%v), want the cached %p", again, err, first)
	}

	// The caller reuses its slice: the cache must not see the change through it.
	same.D[0] = 0.1
	changed, err := cache.Get(same)
	if err != nil {
		t.Fatal(err)
	}
	if changed == first {
		t.Fatal("changed D: the old map came back")
	}
	src, dst := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3), gocv.NewMat()
	defer src.Close()
	defer dst.Close()
	if err := first.Remap(src, &dst); err != ErrClosed {
		t.Errorf("replaced map: Remap gives %v, want ErrClosed", err)
	}

	cache.Target = RectifyTarget{Width: 320, Height: 240}
	resized, err := cache.Get(same)
	if err != nil {
		t.Fatal(err)
	}
	if resized == changed || resized.Width != 320 {
		t.Errorf("changed Target: map %dx%d, want a new 320x240 one", resized.Width, resized.Height)
	}

	bad := same
	bad.K[0] = 0
	if _, err := cache.Get(bad); err == nil {
		t.Error("invalid camera: no error")
	}
	if kept, err := cache.Get(same); err != nil || kept != resized {
		t.Errorf("after a failed Get the valid map was lost: %p %v", kept, err)
	}
}
