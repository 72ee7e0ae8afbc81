package kernels

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// armEncode gives the A64 encoding of the NEON instructions dot_arm64.s
// writes as WORDs (ARM Architecture Reference Manual, C7.2), from the
// register numbers in their comment.
func armEncode(op string, r []uint32) (uint32, bool) {
	switch op {
	case "SDOT V%d.4S, V%d.16B, V%d.16B":
		return 0x4E809400 | r[2]<<16 | r[1]<<5 | r[0], true
	case "SMULL V%d.8H, V%d.8B, V%d.8B":
		return 0x0E20C000 | r[2]<<16 | r[1]<<5 | r[0], true
	case "SMULL2 V%d.8H, V%d.16B, V%d.16B":
		return 0x4E20C000 | r[2]<<16 | r[1]<<5 | r[0], true
	case "SADALP V%d.4S, V%d.8H":
		return 0x4E606800 | r[1]<<5 | r[0], true
	case "SCVTF V%d.4S, V%d.4S":
		return 0x4E21D800 | r[1]<<5 | r[0], true
	case "FMLA V%d.4S, V%d.4S, V%d.4S":
		return 0x4E20CC00 | r[2]<<16 | r[1]<<5 | r[0], true
	case "FCVTL V%d.4S, V%d.4H":
		return 0x0E217800 | r[1]<<5 | r[0], true
	case "FCVTL2 V%d.4S, V%d.8H":
		return 0x4E217800 | r[1]<<5 | r[0], true
	case "ADDP V%d.4S, V%d.4S, V%d.4S":
		return 0x4EA0BC00 | r[2]<<16 | r[1]<<5 | r[0], true
	case "FADD V%d.4S, V%d.4S, V%d.4S":
		return 0x4E20D400 | r[2]<<16 | r[1]<<5 | r[0], true
	case "FMLA V%d.4S, V%d.4S, V%d.S[0]":
		return 0x4F801000 | (r[2]&15)<<16 | (r[2]>>4)<<20 | r[1]<<5 | r[0], true
	}
	return 0, false
}

// TestARM64Encodings re-derives every WORD in the arm64 assembly from the
// instruction in its comment (the qemu-run tests then prove they compute
// what the generic Go does).
func TestARM64Encodings(t *testing.T) {
	var src []byte
	for _, f := range []string{"dot_arm64.s", "dotk_arm64.s", "dotk6_arm64.s", "vec_arm64.s"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	word := regexp.MustCompile(`WORD\s+\$0x([0-9a-fA-F]{8})(.*)`)
	reg := regexp.MustCompile(`V(\d+)`)
	n := 0
	for _, m := range word.FindAllStringSubmatch(string(src), -1) {
		got, _ := strconv.ParseUint(m[1], 16, 32)
		comment := regexp.MustCompile(`^\s*//\s*`).ReplaceAllString(m[2], "")
		var regs []uint32
		for _, r := range reg.FindAllStringSubmatch(comment, -1) {
			v, _ := strconv.Atoi(r[1])
			regs = append(regs, uint32(v))
		}
		op := reg.ReplaceAllString(comment, "V%d")
		want, ok := armEncode(op, regs)
		if !ok {
			t.Errorf("WORD $0x%s: unknown or missing instruction comment %q", m[1], comment)
			continue
		}
		if uint32(got) != want {
			t.Errorf("WORD $0x%s // %s: encoding should be 0x%08x", m[1], comment, want)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no WORD encodings found in the arm64 assembly")
	}
}
