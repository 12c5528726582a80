package node

import (
	"sync"
	"time"
)

// LatestSlot hands the newest message from a middleware callback to one worker, keeping at most
// one waiting: a message that arrives while another waits replaces it (and counts as dropped).
// The callback copies into a reused buffer and never blocks on the worker, which is what keeps a
// slow model from backing up DDS. Buffers are swapped, not reallocated, so the steady state does
// not allocate.
type LatestSlot struct {
	mu      sync.Mutex
	pending []byte
	full    bool
	at      time.Time // when it arrived
	ready   chan struct{}
	dropped uint64
	arrived uint64
	// screen, when set, checks each message before it may replace the waiting one: a message it
	// refuses never takes a good frame's place. staging is where a message is copied to be
	// checked; it swaps with pending when accepted, so nothing is copied twice.
	screen   func([]byte) error
	staging  []byte
	rejected uint64
}

// SetScreen makes the slot check every message with screen (called in the middleware's callback,
// under the slot's lock) before it replaces the waiting one; refused messages are only counted.
// Call it before the first Put.
func (s *LatestSlot) SetScreen(screen func([]byte) error) {
	s.mu.Lock()
	s.screen = screen
	s.mu.Unlock()
}

// NewLatestSlot returns an empty slot.
func NewLatestSlot() *LatestSlot { return &LatestSlot{ready: make(chan struct{}, 1)} }

// Put copies data into the slot (from the middleware's callback).
func (s *LatestSlot) Put(data []byte) {
	s.PutInto(len(data), func(dst []byte) { copy(dst, data) })
}

// PutInto is Put for a transport that copies the message itself (IntoSubscriber): the slot's
// buffer is sized to the message (reusing its storage) and fill copies the message into it.
func (s *LatestSlot) PutInto(size int, fill func(dst []byte)) {
	s.mu.Lock()
	if s.screen != nil {
		if cap(s.staging) < size {
			s.staging = make([]byte, size)
		}
		s.staging = s.staging[:size]
		fill(s.staging)
		s.arrived++
		if s.screen(s.staging) != nil {
			s.rejected++
			s.mu.Unlock()
			return
		}
		s.pending, s.staging = s.staging, s.pending
		s.arrived-- // counted once, below
	} else {
		if cap(s.pending) < size {
			s.pending = make([]byte, size)
		}
		s.pending = s.pending[:size]
		fill(s.pending)
	}
	if s.full {
		s.dropped++
	}
	s.full = true
	s.arrived++
	s.at = time.Now()
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default: // the worker has already been told
	}
}

// Ready is signalled when a message may be waiting.
func (s *LatestSlot) Ready() <-chan struct{} { return s.ready }

// Take swaps the waiting message into buf (whose old storage becomes the slot's next buffer) and
// returns it with its arrival time; ok is false when nothing waits.
func (s *LatestSlot) Take(buf []byte) (msg []byte, arrived time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.full {
		return buf, time.Time{}, false
	}
	msg, s.pending = s.pending, buf[:0]
	s.full = false
	return msg, s.at, true
}

// Rejected is how many messages the screen refused.
func (s *LatestSlot) Rejected() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Counts returns how many messages arrived (refused ones included) and how many were replaced
// before the worker took them.
func (s *LatestSlot) Counts() (arrived, dropped uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrived, s.dropped
}
