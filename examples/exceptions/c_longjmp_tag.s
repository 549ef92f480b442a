# The tag that longjmp throws (wasi-libc's __wasm_longjmp does
# `__builtin_wasm_throw(1, ...)`), with one i32 payload: a pointer to the
# jmp_buf's {env, val} pair. wasi-sdk's libc defines it; zig's bundled
# wasi-libc (0.17.0) references it from rt.o but does not define it.
	.globl	__c_longjmp
	.tagtype	__c_longjmp i32
__c_longjmp:
