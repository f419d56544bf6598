package volume

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkMountRemove is what a volume adds to an execution's start and
// end: make and format the image, mount it, unmount and delete it.
func BenchmarkMountRemove(b *testing.B) {
	v := New(nil)
	if err := v.Probe(context.Background(), b.TempDir()); err != nil {
		b.Skipf("no volumes here: %v", err)
	}
	ctx := context.Background()
	for _, size := range []int64{1 << 30, 100 << 30} {
		b.Run(strconv.FormatInt(size>>30, 10)+"GiB", func(b *testing.B) {
			dir := b.TempDir()
			for i := 0; b.Loop(); i++ {
				img, mnt := filepath.Join(dir, strconv.Itoa(i)+".img"), filepath.Join(dir, strconv.Itoa(i))
				if err := v.Mount(ctx, img, mnt, size); err != nil {
					b.Fatal(err)
				}
				if err := v.Remove(ctx, img, mnt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
