package kernels

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestARM64EncodingsMore is TestARM64Encodings for the assembly files it
// does not list.
func TestARM64EncodingsMore(t *testing.T) {
	word := regexp.MustCompile(`WORD\s+\$0x([0-9a-fA-F]{8})(.*)`)
	reg := regexp.MustCompile(`[VS](\d+)`) // S: scalar results of FMAXV, SADDLV
	lead := regexp.MustCompile(`^\s*//\s*`)
	for _, f := range []string{"dotlegacy_arm64.s", "dotk23_arm64.s", "dotiq4xs_arm64.s", "dotbf16_arm64.s", "quantize_arm64.s"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range word.FindAllStringSubmatch(string(src), -1) {
			got, _ := strconv.ParseUint(m[1], 16, 32)
			comment := lead.ReplaceAllString(m[2], "")
			var regs []uint32
			for _, r := range reg.FindAllStringSubmatch(comment, -1) {
				v, _ := strconv.Atoi(r[1])
				regs = append(regs, uint32(v))
			}
			want, ok := armEncodeMore(reg.ReplaceAllString(comment, "V%d"), regs)
			if !ok {
				t.Errorf("%s: WORD $0x%s: unknown or missing instruction comment %q", f, m[1], comment)
				continue
			}
			if uint32(got) != want {
				t.Errorf("%s: WORD $0x%s // %s: encoding should be 0x%08x", f, m[1], comment, want)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no WORD encodings found", f)
		}
	}
}

// armEncodeMore extends armEncode with the instructions only these files
// use (ARM Architecture Reference Manual, C7.2).
func armEncodeMore(op string, r []uint32) (uint32, bool) {
	three := map[string]uint32{
		"FMAXNM V%d.4S, V%d.4S, V%d.4S": 0x4E20C400,
		"FMINNM V%d.4S, V%d.4S, V%d.4S": 0x4EA0C400,
		"FMAX V%d.4S, V%d.4S, V%d.4S":   0x4E20F400,
		"FMIN V%d.4S, V%d.4S, V%d.4S":   0x4EA0F400,
		"FMUL V%d.4S, V%d.4S, V%d.4S":   0x6E20DC00,
		"SMIN V%d.4S, V%d.4S, V%d.4S":   0x4EA06C00,
		"SMLAL V%d.4S, V%d.4H, V%d.4H":  0x0E608000,
		"SMLAL2 V%d.4S, V%d.8H, V%d.8H": 0x4E608000,
	}
	two := map[string]uint32{
		"FMAXNMV V%d, V%d.4S":    0x6E30C800,
		"FMINNMV V%d, V%d.4S":    0x6EB0C800,
		"FABS V%d.4S, V%d.4S":    0x4EA0F800,
		"FMAXV V%d, V%d.4S":      0x6E30F800,
		"FMINV V%d, V%d.4S":      0x6EB0F800,
		"FCVTAS V%d.4S, V%d.4S":  0x4E21C800,
		"FCVTNS V%d.4S, V%d.4S":  0x4E21A800,
		"SQXTN V%d.4H, V%d.4S":   0x0E614800,
		"SQXTN2 V%d.8H, V%d.4S":  0x4E614800,
		"SQXTN V%d.8B, V%d.8H":   0x0E214800,
		"SQXTN2 V%d.16B, V%d.8H": 0x4E214800,
		"SADDLP V%d.8H, V%d.16B": 0x4E202800,
		"SADDLV V%d, V%d.8H":     0x4E703800,
		"XTN V%d.4H, V%d.4S":     0x0E612800,
		"XTN2 V%d.8H, V%d.4S":    0x4E612800,
		"XTN V%d.8B, V%d.8H":     0x0E212800,
		"XTN2 V%d.16B, V%d.8H":   0x4E212800,
	}
	if b, ok := three[op]; ok && len(r) == 3 {
		return b | r[2]<<16 | r[1]<<5 | r[0], true
	}
	if b, ok := two[op]; ok && len(r) == 2 {
		return b | r[1]<<5 | r[0], true
	}
	return armEncode(op, r)
}
