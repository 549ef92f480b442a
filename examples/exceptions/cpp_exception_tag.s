# The tag that C++ `throw` uses (libunwind's _Unwind_RaiseException does
# `__builtin_wasm_throw(0, ...)`), with one i32 payload: a pointer to the
# _Unwind_Exception. wasi-sdk's libunwind defines it; here it is linked in
# beside the libc++abi/libunwind objects that scripts/build-exceptions.sh
# builds with exceptions on.
	.globl	__cpp_exception
	.tagtype	__cpp_exception i32
__cpp_exception:
