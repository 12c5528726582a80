package sros2test

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Capture records every frame on every network interface of the machine (loopback included)
// through a raw AF_PACKET socket, like `tcpdump -i any`, so a test can look at what DDS really put
// on the wire. It needs CAP_NET_RAW (root): StartCapture returns ErrNoCapture without it.
type Capture struct {
	fd    int
	mu    sync.Mutex
	buf   []byte
	max   int
	done  chan struct{}
	stop  chan struct{}
	once  sync.Once
	bytes int
}

// ErrNoCapture: the process may not open a raw packet socket (it is not root and lacks CAP_NET_RAW).
var ErrNoCapture = errors.New("a raw packet socket needs CAP_NET_RAW (run the tests as root)")

// StartCapture starts recording, keeping at most maxBytes of frames (later frames are counted,
// not kept). The capture stops at Stop or when the test ends.
func StartCapture(t testing.TB, maxBytes int) (*Capture, error) {
	t.Helper()
	const ethPAll = 0x0003
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(ethPAll)))
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return nil, fmt.Errorf("%w: %v", ErrNoCapture, err)
	}
	if err != nil {
		t.Fatalf("a raw packet socket to check the wire: %v", err)
	}
	tv := syscall.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	c := &Capture{fd: fd, max: maxBytes, done: make(chan struct{}), stop: make(chan struct{})}
	go c.loop()
	t.Cleanup(func() { c.Stop() })
	return c, nil
}

func (c *Capture) loop() {
	defer close(c.done)
	frame := make([]byte, 1<<16)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		n, _, err := syscall.Recvfrom(c.fd, frame, 0)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				continue
			}
			return
		}
		c.mu.Lock()
		c.bytes += n
		if len(c.buf)+n <= c.max {
			c.buf = append(c.buf, frame[:n]...)
		}
		c.mu.Unlock()
	}
}

// Stop ends the capture and returns the frames kept, concatenated, and the bytes seen in all.
func (c *Capture) Stop() ([]byte, int) {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		syscall.Close(c.fd)
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf, c.bytes
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
