//go:build !purego

package kernels

// ropePairsAVX2 (rope_amd64.s) is ropePairsGeneric over n floats, n a
// positive multiple of 8, bit for bit (VFMADDSUB231PS fuses as FMA32 does):
//
//	for i := 0; i < n; i += 2 {
//		v[i], v[i+1] = FMA32(v[i], cs[i], -(v[i+1]*cs[i+1])), FMA32(v[i], cs[i+1], v[i+1]*cs[i])
//	}
//
//go:noescape
func ropePairsAVX2(v, cs *float32, n int)

// ropeNeoXAVX2 is ropeNeoXGeneric for half = n/2 pairs, half a positive
// multiple of 8, bit for bit:
//
//	for i := range half {
//		c, s := cs[2*i], cs[2*i+1]
//		v[i], v[i+half] = FMA32(v[i], c, -(v[i+half]*s)), FMA32(v[i], s, v[i+half]*c)
//	}
//
//go:noescape
func ropeNeoXAVX2(v, cs *float32, half int)

func ropePairsAsm(v, cs []float32) {
	n := len(v) &^ 7
	if n > 0 {
		ropePairsAVX2(&v[0], &cs[:len(v)][0], n)
	}
	ropePairsGeneric(v[n:], cs[n:len(v)])
}

func ropeNeoXAsm(v, cs []float32) {
	half := len(v) / 2
	if half == 0 || half%8 != 0 || len(v)%2 != 0 {
		ropeNeoXGeneric(v, cs)
		return
	}
	_ = cs[len(v)-1]
	ropeNeoXAVX2(&v[0], &cs[0], half)
}
