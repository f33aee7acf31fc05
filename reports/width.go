package reports

import (
	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// ConsoleWidth is the width every console table fits: wider cells wrap at
// word boundaries inside their column (go-pretty's WidthMax with
// text.WrapSoft), never past the table's edge.
const ConsoleWidth = 120

// wrapColumn caps column number (1-based) at width, wrapping its cells at
// word boundaries.
func wrapColumn(number, width int) table.ColumnConfig {
	return table.ColumnConfig{Number: number, WidthMax: width, WidthMaxEnforcer: text.WrapSoft}
}
