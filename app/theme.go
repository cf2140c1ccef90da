package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme forces light or dark regardless of the desktop's preference,
// so an adviser can pick what is readable beside their call window.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func newVariantTheme(v fyne.ThemeVariant) fyne.Theme {
	return &variantTheme{Theme: theme.DefaultTheme(), variant: v}
}

func (t *variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		return focusColor(t.variant)
	}
	if c, ok := readable[t.variant][n]; ok {
		return c
	}
	return t.Theme.Color(n, t.variant)
}

// readable replaces the default theme's colours that draw text at less than
// WCAG's 4.5:1 on what they are drawn on (issue 15; TestTextContrast):
// the default light theme's red, orange, green and grey text are 1.3 to
// 3.7:1 on white. The dark theme's primary blue is light, so the text on a
// primary button is dark.
var readable = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNameDisabled:    color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff},
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff},
		theme.ColorNamePrimary:     color.NRGBA{R: 0x1a, G: 0x5f, B: 0xb4, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xc0, G: 0x1c, B: 0x28, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0x9c, G: 0x4a, B: 0x00, A: 0xff},
		theme.ColorNameSuccess:     color.NRGBA{R: 0x26, G: 0x73, B: 0x4d, A: 0xff},
	},
	theme.VariantDark: {
		theme.ColorNameDisabled:            color.NRGBA{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff},
		theme.ColorNamePrimary:             color.NRGBA{R: 0x62, G: 0xa0, B: 0xea, A: 0xff},
		theme.ColorNameForegroundOnPrimary: color.NRGBA{R: 0x0d, G: 0x0d, B: 0x0d, A: 0xff},
	},
}

// focusColor is laid over whatever has the keyboard focus. Fyne's default is
// a faint blue, which cannot be seen on a blue button and barely on the red
// Escalate; a shade of the text colour darkens (or, in dark mode, lightens)
// every colour of button alike, so someone working by keyboard always sees
// where they are.
func focusColor(v fyne.ThemeVariant) color.Color {
	if v == theme.VariantDark {
		return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x66}
	}
	return color.NRGBA{A: 0x66}
}
