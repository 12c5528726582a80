package calibration

import "slices"

// RectifierCache keeps the RectifyMap of the last camera, so a node that receives the same camera_info
// with every frame builds the map once and again only when the calibration changes.
// It is not safe for concurrent Get; the maps it returns are.
type RectifierCache struct {
	// Target is the rectified image wanted; changing it also rebuilds the map.
	Target RectifyTarget

	camera Camera
	target RectifyTarget
	m      *RectifyMap
}

// Get returns the map for cam, building it only when cam (or Target) differs from the last call.
// A replaced map is closed: its Remap then fails with ErrClosed instead of using freed memory.
func (c *RectifierCache) Get(cam Camera) (*RectifyMap, error) {
	if c.m != nil && c.target == c.Target && c.camera.Equal(cam) {
		return c.m, nil
	}
	m, err := NewRectifyMap(cam, c.Target)
	if err != nil {
		return nil, err
	}
	c.Close()
	c.camera, c.target, c.m = cam, c.Target, m
	// The caller may reuse its D slice for the next camera_info; keep our own.
	c.camera.D = slices.Clone(cam.D)
	return m, nil
}

// Close frees the cached map.
func (c *RectifierCache) Close() error {
	if c.m == nil {
		return nil
	}
	err := c.m.Close()
	c.m = nil
	return err
}
