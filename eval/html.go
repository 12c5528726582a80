package eval

import (
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ReportHTML is report.md as one self-contained page (figures inline), for a browser or an e-mail.
const ReportHTML = "report.html"

var (
	mdImage = regexp.MustCompile(`^!\[([^\]]*)\]\(([^)]+)\)$`)
	mdLink  = regexp.MustCompile(`\[([^\]]+)\]\(([^)]+)\)`)
	mdCode  = regexp.MustCompile("`([^`]+)`")
	mdBold  = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// markdownPage renders the Markdown our reports are written in (headings, paragraphs, fenced code,
// tables, lists, quotes, images, links, code spans, bold) as a self-contained HTML page: images
// named relative to dir are embedded as data URIs. It is not a general Markdown renderer.
func markdownPage(md, dir string) ([]byte, error) {
	var b strings.Builder
	title := "ssmde report"
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%TITLE%</title><style>\n" +
		"body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}\n" +
		"pre{background:#f4f4f4;padding:.8em;overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em}\n" +
		"td{text-align:right}td:first-child{text-align:left}img{max-width:100%}blockquote{color:#555;border-left:3px solid #ccc;margin-left:0;padding-left:1em}\n" +
		"</style></head><body>\n")
	lines := strings.Split(md, "\n")
	inline := func(s string) string {
		s = html.EscapeString(s)
		s = mdCode.ReplaceAllString(s, "<code>$1</code>")
		s = mdBold.ReplaceAllString(s, "<strong>$1</strong>")
		return mdLink.ReplaceAllString(s, `<a href="$2">$1</a>`)
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "```"):
			b.WriteString("<pre>")
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]) + "\n")
			}
			b.WriteString("</pre>\n")
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			text := strings.TrimSpace(line[level:])
			if level == 1 {
				title = text
			}
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", level, inline(text), level)
		case strings.HasPrefix(line, "|"):
			b.WriteString("<table>\n")
			header := true
			for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				cells := strings.Split(strings.Trim(lines[i], "|"), "|")
				if strings.Trim(lines[i], "|-: ") == "" {
					continue // the alignment row
				}
				tag := "td"
				if header {
					tag = "th"
				}
				b.WriteString("<tr>")
				for _, c := range cells {
					fmt.Fprintf(&b, "<%s>%s</%s>", tag, inline(strings.TrimSpace(c)), tag)
				}
				b.WriteString("</tr>\n")
				header = false
			}
			i--
			b.WriteString("</table>\n")
		case strings.HasPrefix(line, "- "):
			b.WriteString("<ul>\n")
			for ; i < len(lines) && strings.HasPrefix(lines[i], "- "); i++ {
				fmt.Fprintf(&b, "<li>%s</li>\n", inline(lines[i][2:]))
			}
			i--
			b.WriteString("</ul>\n")
		case strings.HasPrefix(line, "> "):
			fmt.Fprintf(&b, "<blockquote>%s</blockquote>\n", inline(line[2:]))
		case mdImage.MatchString(line):
			m := mdImage.FindStringSubmatch(line)
			data, err := os.ReadFile(filepath.Join(dir, m[2]))
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "<p><img alt=\"%s\" src=\"data:image/png;base64,%s\"></p>\n", html.EscapeString(m[1]), base64.StdEncoding.EncodeToString(data))
		case strings.TrimSpace(line) == "":
		default:
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(line))
		}
	}
	b.WriteString("</body></html>\n")
	return []byte(strings.Replace(b.String(), "%TITLE%", html.EscapeString(title), 1)), nil
}
