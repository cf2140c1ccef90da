package app

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestTextContrast is issue 15's "text contrast of at least 4.5:1 in both
// themes" (WCAG 2.2 AA for normal text), from the theme's own colours: every
// colour a label, an entry or a button draws text in, on what it is drawn
// on. Labels of low importance (the clause beside each checklist item) use
// the disabled colour, so it is checked too.
func TestTextContrast(t *testing.T) {
	pairs := []struct{ text, on fyne.ThemeColorName }{
		{theme.ColorNameForeground, theme.ColorNameBackground},
		{theme.ColorNameDisabled, theme.ColorNameBackground}, // LowImportance labels
		{theme.ColorNamePrimary, theme.ColorNameBackground},  // HighImportance labels
		{theme.ColorNameError, theme.ColorNameBackground},    // DangerImportance labels
		{theme.ColorNameWarning, theme.ColorNameBackground},  // WarningImportance labels
		{theme.ColorNameSuccess, theme.ColorNameBackground},  // SuccessImportance labels
		{theme.ColorNameForeground, theme.ColorNameInputBackground},
		{theme.ColorNamePlaceHolder, theme.ColorNameInputBackground},
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary}, // HighImportance buttons
		{theme.ColorNameForegroundOnError, theme.ColorNameError},     // the red Escalate
		{theme.ColorNameForeground, theme.ColorNameButton},
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		th := newVariantTheme(v)
		for _, p := range pairs {
			t.Run(fmt.Sprintf("%s/%s on %s", variantName(v), p.text, p.on), func(t *testing.T) {
				if r := contrast(th.Color(p.text, v), th.Color(p.on, v)); r < 4.5 {
					t.Errorf("contrast %.2f:1, want at least 4.5:1", r)
				}
			})
		}
	}
}

func variantName(v fyne.ThemeVariant) string {
	if v == theme.VariantDark {
		return "dark"
	}
	return "light"
}
