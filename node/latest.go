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
	if s.full {
		s.dropped++
	}
	if cap(s.pending) < size {
		s.pending = make([]byte, size)
	}
	s.pending = s.pending[:size]
	fill(s.pending)
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

// Counts returns how many messages arrived and how many were replaced before the worker took them.
func (s *LatestSlot) Counts() (arrived, dropped uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrived, s.dropped
}
