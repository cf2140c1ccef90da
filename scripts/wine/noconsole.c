/*
 * noconsole.exe: starts a Windows GUI program as Explorer or the Start menu
 * does, with no standard input, output or error at all, and reports the
 * message box it shows. Used by scripts/test-windows-app.sh (under Wine) to
 * test cmd/companion/starterror_windows.go: a copy of the app that cannot
 * start, with no console to write to, must say why in a message box and end
 * with a non-zero status.
 *
 * Usage: wine noconsole.exe PROGRAM.exe [HOLD_MS]
 *
 * Waits up to 60 s for a dialog box (window class "#32770") of PROGRAM's
 * process, prints its title and text (UTF-8) on standard output, as
 *   title: ...
 *   text: ...
 * keeps it up HOLD_MS milliseconds (time for a screenshot), presses its OK
 * button, waits for PROGRAM to end and prints "status: N". Exits with
 * PROGRAM's status, or 3 if PROGRAM showed no box in time, 4 if it ended
 * without showing one, 2 if it could not be started. Never shipped.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

struct found {
	DWORD pid;
	HWND box;
};

static BOOL CALLBACK each_window(HWND h, LPARAM lp)
{
	struct found *f = (struct found *)lp;
	DWORD pid = 0;
	wchar_t cls[64];
	GetWindowThreadProcessId(h, &pid);
	if (pid == f->pid && IsWindowVisible(h) && GetClassNameW(h, cls, 64) && wcscmp(cls, L"#32770") == 0) {
		f->box = h;
		return FALSE;
	}
	return TRUE;
}

/* The message box's text is in a static control; collect every static's. */
static BOOL CALLBACK each_static(HWND h, LPARAM lp)
{
	wchar_t *out = (wchar_t *)lp, cls[64], text[2048];
	if (GetClassNameW(h, cls, 64) && _wcsicmp(cls, L"Static") == 0 && GetWindowTextW(h, text, 2048) > 0) {
		if (out[0])
			wcsncat(out, L" ", 8191 - wcslen(out));
		wcsncat(out, text, 8191 - wcslen(out));
	}
	return TRUE;
}

static void print_utf8(const char *label, const wchar_t *w)
{
	char buf[32768];
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof buf, NULL, NULL);
	if (n <= 0)
		buf[0] = 0;
	printf("%s: %s\n", label, buf);
	fflush(stdout);
}

int wmain(int argc, wchar_t **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: noconsole.exe PROGRAM.exe [HOLD_MS]\n");
		return 2;
	}
	DWORD hold = argc > 2 ? (DWORD)_wtoi(argv[2]) : 0;
	wchar_t cmd[4096];
	swprintf(cmd, 4096, L"\"%ls\"", argv[1]);

	/* STARTF_USESTDHANDLES with every handle NULL, nothing inherited, no
	 * console: GetStdHandle(STD_ERROR_HANDLE) is NULL in the child, as
	 * for a GUI program started from Explorer. */
	STARTUPINFOW si;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	si.dwFlags = STARTF_USESTDHANDLES;
	PROCESS_INFORMATION pi;
	if (!CreateProcessW(argv[1], cmd, NULL, NULL, FALSE, DETACHED_PROCESS, NULL, NULL, &si, &pi)) {
		fprintf(stderr, "noconsole: cannot start the program (error %lu)\n", GetLastError());
		return 2;
	}

	struct found f = {pi.dwProcessId, NULL};
	for (int i = 0; i < 600 && !f.box; i++) {
		EnumWindows(each_window, (LPARAM)&f);
		if (f.box)
			break;
		if (WaitForSingleObject(pi.hProcess, 100) == WAIT_OBJECT_0) {
			DWORD st = 0;
			GetExitCodeProcess(pi.hProcess, &st);
			printf("ended without a message box, status: %lu\n", st);
			return 4;
		}
	}
	if (!f.box) {
		printf("no message box within 60 s\n");
		TerminateProcess(pi.hProcess, 1);
		return 3;
	}
	Sleep(200); /* let it fill in its text */
	wchar_t title[1024] = L"", text[8192] = L"";
	GetWindowTextW(f.box, title, 1024);
	EnumChildWindows(f.box, each_static, (LPARAM)text);
	print_utf8("title", title);
	print_utf8("text", text);
	Sleep(hold);

	PostMessageW(f.box, WM_COMMAND, MAKEWPARAM(IDOK, BN_CLICKED), 0);
	if (WaitForSingleObject(pi.hProcess, 30000) != WAIT_OBJECT_0) {
		printf("still running 30 s after OK was pressed\n");
		TerminateProcess(pi.hProcess, 1);
		return 3;
	}
	DWORD status = 0;
	GetExitCodeProcess(pi.hProcess, &status);
	printf("status: %lu\n", status);
	return (int)status;
}
