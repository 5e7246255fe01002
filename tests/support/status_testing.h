// GoogleTest assertions for lrp::Status that print the message on failure.
#ifndef LRP_TESTS_SUPPORT_STATUS_TESTING_H_
#define LRP_TESTS_SUPPORT_STATUS_TESTING_H_

#include <gtest/gtest.h>

#include "lrp/status.h"

#define LRP_ASSERT_OK(expr)                                 \
  do {                                                      \
    const ::lrp::Status lrp_assert_status_ = (expr);        \
    ASSERT_TRUE(lrp_assert_status_.ok())                    \
        << #expr << " -> " << lrp_assert_status_.ToString(); \
  } while (0)

#define LRP_EXPECT_OK(expr)                                 \
  do {                                                      \
    const ::lrp::Status lrp_expect_status_ = (expr);        \
    EXPECT_TRUE(lrp_expect_status_.ok())                    \
        << #expr << " -> " << lrp_expect_status_.ToString(); \
  } while (0)

#endif  // LRP_TESTS_SUPPORT_STATUS_TESTING_H_
