package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// answerChoice is a checklist question's Yes / No / Not applicable: radio
// buttons that are one stop for Tab, as a radio group is on every desktop
// (issue 19: an adviser answers a dozen of these for every session). With
// the focus on it, Y, N or A answers, Left and Right move the answer, and
// Space takes the one shown; tapping an option takes it. An answer given
// from the keyboard calls OnAnswered, and the form moves on to what is
// still to do.
type answerChoice struct {
	widget.BaseWidget
	Options    []string
	Selected   string
	OnChanged  func(string)
	OnAnswered func()

	focused bool
	cursor  int
	icons   []*widget.Icon
	labels  []*widget.Label
	boxes   []*fyne.Container
	ring    *canvas.Rectangle
}

func newAnswerChoice(options []string) *answerChoice {
	c := &answerChoice{Options: options}
	c.ExtendBaseWidget(c)
	return c
}

// SetSelected chooses an option ("" for none) and tells OnChanged.
func (c *answerChoice) SetSelected(option string) {
	if option == c.Selected {
		return
	}
	c.Selected = option
	if i := c.index(option); i >= 0 {
		c.cursor = i
	}
	c.Refresh()
	if c.OnChanged != nil {
		c.OnChanged(option)
	}
}

func (c *answerChoice) index(option string) int {
	for i, o := range c.Options {
		if o == option {
			return i
		}
	}
	return -1
}

func (c *answerChoice) CreateRenderer() fyne.WidgetRenderer {
	row := container.NewHBox()
	for _, o := range c.Options {
		icon := widget.NewIcon(theme.RadioButtonIcon())
		label := widget.NewLabel(o)
		box := container.NewHBox(icon, label)
		c.icons, c.labels, c.boxes = append(c.icons, icon), append(c.labels, label), append(c.boxes, box)
		row.Add(box)
	}
	c.ring = canvas.NewRectangle(nil)
	c.ring.StrokeWidth = 2
	c.ring.CornerRadius = theme.InputRadiusSize()
	c.update()
	return widget.NewSimpleRenderer(container.NewStack(c.ring, row))
}

// Refresh redraws the options for the answer and the focus.
func (c *answerChoice) Refresh() {
	c.update()
	c.BaseWidget.Refresh()
}

func (c *answerChoice) update() {
	if c.ring == nil {
		return
	}
	for i, o := range c.Options {
		switch {
		case o == c.Selected:
			c.icons[i].SetResource(theme.NewPrimaryThemedResource(theme.RadioButtonCheckedIcon()))
		default:
			c.icons[i].SetResource(theme.RadioButtonIcon())
		}
		c.labels[i].TextStyle = fyne.TextStyle{Bold: c.focused && i == c.cursor}
		c.labels[i].Refresh()
	}
	c.ring.StrokeColor = theme.Color(theme.ColorNameFocus)
	if !c.focused {
		c.ring.StrokeColor = nil
	}
	c.ring.Refresh()
}

// Tapped takes the option under the pointer.
func (c *answerChoice) Tapped(e *fyne.PointEvent) {
	for i, b := range c.boxes {
		if e.Position.X >= b.Position().X && e.Position.X < b.Position().X+b.Size().Width {
			c.SetSelected(c.Options[i])
			return
		}
	}
}

func (c *answerChoice) FocusGained() {
	c.focused = true
	if i := c.index(c.Selected); i >= 0 {
		c.cursor = i
	}
	c.Refresh()
}

func (c *answerChoice) FocusLost() { c.focused = false; c.Refresh() }

// TypedRune answers with the option's first letter (Y, N, A), or Space for
// the option shown.
func (c *answerChoice) TypedRune(r rune) {
	if r == ' ' {
		c.answer(c.cursor)
		return
	}
	for i, o := range c.Options {
		first := o
		if strings.HasPrefix(o, "Not ") { // Not applicable: A, as N is No
			first = strings.TrimPrefix(o, "Not ")
		}
		if strings.EqualFold(first[:1], string(r)) {
			c.answer(i)
			return
		}
	}
}

// TypedKey moves the answer with Left and Right.
func (c *answerChoice) TypedKey(e *fyne.KeyEvent) {
	n := len(c.Options)
	switch e.Name {
	case fyne.KeyRight, fyne.KeyDown:
		c.cursor = (c.cursor + 1) % n
	case fyne.KeyLeft, fyne.KeyUp:
		c.cursor = (c.cursor + n - 1) % n
	case fyne.KeyReturn, fyne.KeyEnter:
		c.answer(c.cursor)
		return
	default:
		return
	}
	c.SetSelected(c.Options[c.cursor])
}

func (c *answerChoice) answer(i int) {
	c.cursor = i
	c.SetSelected(c.Options[i])
	if c.OnAnswered != nil {
		c.OnAnswered()
	}
}
