/*
 * seccomp_list.h: the filter shape both seccomp tools measure — the architecture check, the x32
 * check, then one comparison per allowed call. This is the list verbosel built before its filter
 * became a binary search (crates/sandbox), and the same length to within a few instructions.
 */
#ifndef SECCOMP_LIST_H
#define SECCOMP_LIST_H
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* Writes the program for `nrs[0..n]` into `f` (room for n + 7) and returns its length. */
static int seccomp_list(const int *nrs, int n, struct sock_filter *f) {
	int k = 0;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, n, 0);
	for (int i = 0; i < n; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], n - i, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return k;
}
#endif
