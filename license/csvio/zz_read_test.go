package csvio
import ("bytes";"fmt";"testing")
func BenchmarkZZRead100k(b *testing.B) {
	const n = 100_000
	var buf bytes.Buffer
	buf.WriteString("email,name,role\n")
	for i := range n { fmt.Fprintf(&buf, "student.%06d@hs.district.org,Student %06d,student\n", i, i) }
	for b.Loop() { if _, err := ReadImport(bytes.NewReader(buf.Bytes()), "b.csv"); err != nil { b.Fatal(err) } }
}
