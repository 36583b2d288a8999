// NNFS_TEST_SANITIZED: built with AddressSanitizer or ThreadSanitizer (GCC defines __SANITIZE_*__, clang
// answers __has_feature). Their operator new cannot throw std::bad_alloc: a request too large to satisfy
// ends the process, so the tests of the library's own "cannot allocate" errors skip themselves there.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NNFS_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NNFS_TEST_SANITIZED 1
#endif
#endif
