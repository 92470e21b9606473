package fake

import (
	"bytes"
	"encoding/json"
	"strconv"
)

func marshalList(l listJSON) ([]byte, error) {
	var b bytes.Buffer
	k, _ := json.Marshal(l.key)
	items, err := json.Marshal(l.items)
	if err != nil {
		return nil, err
	}
	links, _ := json.Marshal(l.links)
	b.WriteByte('{')
	b.Write(k)
	b.WriteByte(':')
	b.Write(items)
	b.WriteString(`,"total":"`)
	b.WriteString(strconv.Itoa(l.total))
	b.WriteString(`","links":`)
	b.Write(links)
	b.WriteByte('}')
	return b.Bytes(), nil
}
