package models

import (
	"encoding/binary"
	"math"
)

// IEEE 754 binary16 ("half", ONNX FLOAT16) conversions for fp16 graphs: the pipeline works in
// float32, and a Net converts at its edges (inputs before Run, outputs after).

// Float32ToFloat16 rounds f to the nearest half (ties to even), as a CUDA __float2half_rn or
// numpy astype(float16) does: overflow gives ±Inf, NaN stays NaN (quiet), tiny values become
// subnormal halves or ±0.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15: // beyond the largest half exponent
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // biased half exponent
	if e >= 1 {
		// Normal half: keep 10 mantissa bits, round the 13 dropped ones to nearest even. A carry
		// out of the mantissa bumps the exponent, which is right (and reaches Inf at the top).
		h := uint32(e)<<10 | mant>>13
		rest := mant & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	// Subnormal half (or zero): value = m·2^-24 with m < 1024. The float32 significand with its
	// implicit bit is (1<<23 | mant)·2^(exp−150); shift it to units of 2^-24.
	if exp == 0 {
		return sign // float32 subnormals are far below half's smallest subnormal
	}
	sig := mant | 0x800000
	shift := uint32(126 - exp) // = −(exp−150) − 24, at least 14 here
	if shift > 24 {
		return sign
	}
	h := sig >> shift
	rest := sig & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rest > half || (rest == half && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

// Float16ToFloat32 widens a half exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: normalise the mantissa.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// EncodeFloat16 writes src as little-endian halves into dst (2 bytes per value).
func EncodeFloat16(dst []byte, src []float32) {
	_ = dst[2*len(src)-1]
	for i, f := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], Float32ToFloat16(f))
	}
}

// DecodeFloat16 widens little-endian halves from src into dst (len(src) = 2·len(dst)).
func DecodeFloat16(dst []float32, src []byte) {
	_ = src[2*len(dst)-1]
	for i := range dst {
		dst[i] = Float16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}
