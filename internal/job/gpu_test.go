package job

import "testing"

func TestGPUSelectorMatches(t *testing.T) {
	const a100 = "NVIDIA A100-SXM4-80GB"
	tests := []struct {
		name   string
		sel    GPUSelector
		vendor string
		model  string
		vram   ByteSize
		want   bool
	}{
		{"zero selector takes any GPU", GPUSelector{}, VendorAMD, "AMD Instinct MI300X", 0, true},
		{"vendor", GPUSelector{Vendor: VendorNVIDIA}, VendorNVIDIA, a100, 80 * GiB, true},
		{"wrong vendor", GPUSelector{Vendor: VendorAMD}, VendorNVIDIA, a100, 80 * GiB, false},
		{"vendor ignores case", GPUSelector{Vendor: VendorNVIDIA}, "NVIDIA", a100, 80 * GiB, true},
		{"model substring ignores case", GPUSelector{Model: "a100-sxm4"}, VendorNVIDIA, a100, 80 * GiB, true},
		{"model pattern upper case", GPUSelector{Model: "A100"}, VendorNVIDIA, "nvidia a100", 80 * GiB, true},
		{"model absent", GPUSelector{Model: "H100"}, VendorNVIDIA, a100, 80 * GiB, false},
		{"model pattern longer than model", GPUSelector{Model: "A100-SXM4-80GB-X"}, VendorNVIDIA, "A100", 80 * GiB, false},
		{"model at the end", GPUSelector{Model: "80gb"}, VendorNVIDIA, a100, 80 * GiB, true},
		{"vram exactly enough", GPUSelector{MinVRAM: 80 * GiB}, VendorNVIDIA, a100, 80 * GiB, true},
		{"vram too small", GPUSelector{MinVRAM: 80 * GiB}, VendorNVIDIA, "NVIDIA T4", 16 * GiB, false},
		{"all fields", GPUSelector{Vendor: VendorNVIDIA, Model: "A100", MinVRAM: 40 * GiB}, VendorNVIDIA, a100, 80 * GiB, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sel.Matches(tc.vendor, tc.model, tc.vram); got != tc.want {
				t.Fatalf("%+v.Matches(%q, %q, %s) = %v, want %v", tc.sel, tc.vendor, tc.model, tc.vram, got, tc.want)
			}
		})
	}
}

func TestGPUSelectorMatchesDoesNotAllocate(t *testing.T) {
	sel := GPUSelector{Vendor: VendorNVIDIA, Model: "a100", MinVRAM: GiB}
	if n := testing.AllocsPerRun(100, func() { sel.Matches("NVIDIA", "NVIDIA A100-SXM4-80GB", 80*GiB) }); n != 0 {
		t.Fatalf("Matches allocates %v times per call", n)
	}
}

func TestGPUSelectorString(t *testing.T) {
	tests := []struct {
		sel  GPUSelector
		want string
	}{
		{GPUSelector{}, "any GPU"},
		{GPUSelector{Vendor: VendorAMD}, `vendor "amd"`},
		{GPUSelector{Model: "A100"}, `model "A100"`},
		{GPUSelector{MinVRAM: 40 * GiB}, "at least 40GiB VRAM"},
		{GPUSelector{Vendor: VendorNVIDIA, Model: `A"100`, MinVRAM: 40 * GiB}, `vendor "nvidia", model "A\"100", at least 40GiB VRAM`},
	}
	for _, tc := range tests {
		if got := tc.sel.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.sel, got, tc.want)
		}
	}
}
