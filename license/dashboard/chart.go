package dashboard

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// chart is one usage chart: series of values over the same periods.
type chart struct {
	Title  string
	Desc   string
	Kind   string // line (levels) or bar (counts per period)
	Unit   string // what the y axis counts
	Labels []time.Time
	Step   int // days per period
	Series []chartSeries
}

type chartSeries struct {
	Name   string
	Class  string // s0…s4: the colour, set by the style sheet
	Values []float64
	Dashed bool
}

// Chart geometry, in SVG user units; the SVG scales to its box.
const (
	chartW      = 760
	chartH      = 300
	chartLeft   = 56
	chartRight  = 16
	chartTop    = 16
	chartBottom = 44
	maxXLabels  = 8
)

// Empty reports whether every value is zero, so the page can say so
// instead of drawing a flat line.
func (c chart) Empty() bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != 0 && !math.IsNaN(v) {
				return false
			}
		}
	}
	return true
}

// niceCeil rounds a maximum up to 1, 2 or 5 × 10^k, the tick step to four
// ticks from zero.
func niceScale(maxV float64) (top, step float64) {
	if maxV <= 0 {
		return 4, 1
	}
	raw := maxV / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		step = m * mag
		if step >= raw {
			break
		}
	}
	if step < 1 {
		step = 1 // counts of people: no half ticks
	}
	return math.Ceil(maxV/step) * step, step
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// period names a point for people: its day, or its first and last day.
func (c chart) period(i int) string {
	d := c.Labels[i]
	if c.Step <= 1 {
		return d.Format("Jan 2, 2006")
	}
	return d.Format("Jan 2") + "–" + d.AddDate(0, 0, c.Step-1).Format("Jan 2, 2006")
}

// SVG draws the chart. Every text is escaped here, which is what makes
// returning template.HTML safe.
func (c chart) SVG() template.HTML {
	n := len(c.Labels)
	if n == 0 {
		return ""
	}
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				maxV = max(maxV, v)
			}
		}
	}
	top, step := niceScale(maxV)
	pw := float64(chartW - chartLeft - chartRight)
	ph := float64(chartH - chartTop - chartBottom)
	y := func(v float64) float64 { return chartTop + ph - v/top*ph }
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<svg class="chart chart-%s" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, e(c.Kind), chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>`, e(c.Title), e(c.Desc))

	b.WriteString(`<g class="grid" aria-hidden="true">`)
	for v := 0.0; v <= top+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s"/>`, chartLeft, chartW-chartRight, coord(y(v)), coord(y(v)))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, chartLeft-8, coord(y(v)), num(v))
	}
	fmt.Fprintf(&b, `<text class="unit" transform="translate(14 %s) rotate(-90)" text-anchor="middle">%s</text>`, coord(chartTop+ph/2), e(c.Unit))
	b.WriteString(`</g>`)

	// x positions: points spread edge to edge; bars centred in their slot.
	slot := pw / float64(n)
	x := func(i int) float64 {
		if c.Kind == "bar" {
			return chartLeft + slot*(float64(i)+0.5)
		}
		if n == 1 {
			return chartLeft + pw/2
		}
		return chartLeft + pw*float64(i)/float64(n-1)
	}
	every := (n + maxXLabels - 1) / maxXLabels
	b.WriteString(`<g class="axis" aria-hidden="true">`)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s"/>`, chartLeft, chartW-chartRight, coord(y(0)), coord(y(0)))
	for i := 0; i < n; i += every {
		fmt.Fprintf(&b, `<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>`, coord(x(i)), chartH-chartBottom+20, e(c.Labels[i].Format("Jan 2")))
	}
	b.WriteString(`</g>`)

	for si, s := range c.Series {
		fmt.Fprintf(&b, `<g class="series %s" data-series="%s">`, e(s.Class), e(s.Name))
		if c.Kind == "bar" {
			bw := slot * 0.8 / float64(len(c.Series))
			for i, v := range s.Values {
				if v == 0 || math.IsNaN(v) {
					continue
				}
				bx := x(i) - slot*0.4 + bw*float64(si)
				fmt.Fprintf(&b, `<rect class="bar point" x="%s" y="%s" width="%s" height="%s" data-value="%s"><title>%s: %s %s</title></rect>`,
					coord(bx), coord(y(v)), coord(max(bw-1, 1)), coord(y(0)-y(v)), num(v), e(c.period(i)), num(v), e(strings.ToLower(s.Name)))
			}
		} else {
			// A period without data (NaN) breaks the line.
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			var pts []string
			flush := func() {
				if len(pts) > 0 {
					fmt.Fprintf(&b, `<polyline class="line" fill="none" points="%s"%s/>`, strings.Join(pts, " "), dash)
				}
				pts = pts[:0]
			}
			for i, v := range s.Values {
				if math.IsNaN(v) {
					flush()
					continue
				}
				pts = append(pts, coord(x(i))+","+coord(y(v)))
			}
			flush()
			for i, v := range s.Values {
				if math.IsNaN(v) {
					continue
				}
				fmt.Fprintf(&b, `<circle class="point" cx="%s" cy="%s" r="3" data-value="%s"><title>%s: %s %s</title></circle>`,
					coord(x(i)), coord(y(v)), num(v), e(c.period(i)), num(v), e(strings.ToLower(s.Name)))
			}
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartRow is one period of the chart's data table.
type chartRow struct {
	Period string
	Values []string
}

// Rows gives the chart's figures as a table, for screen readers and for
// anyone who wants the numbers.
func (c chart) Rows() []chartRow {
	out := make([]chartRow, len(c.Labels))
	for i := range c.Labels {
		r := chartRow{Period: c.period(i), Values: make([]string, len(c.Series))}
		for j, s := range c.Series {
			if math.IsNaN(s.Values[i]) {
				r.Values[j] = "—"
			} else {
				r.Values[j] = num(s.Values[i])
			}
		}
		out[i] = r
	}
	return out
}
