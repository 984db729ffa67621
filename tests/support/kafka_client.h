// All test-side Kafka clients, one include for tests. They are the ground truth for
// integration tests, so they talk to librdkafka directly and deliberately do not use
// kmirror's own Kafka wrappers (a bug there must not be able to hide itself).
//
// One header per concern:
//   client_config.h      ClientConfig (where to connect), Outcome<T> (a value or why not)
//   test_records.h       Record / ConsumedRecord, printing, SameRecords, MakeRecords
//   test_admin.h         brokers, topics, topic configs, record deletion
//   test_producer.h      Produce
//   test_transactions.h  ProduceTransaction, ProduceAndCommit, ProduceAndAbort
//   test_consumer.h      Watermarks, ConsumeAll, ConsumeTopic (no consumer group)
//   test_groups.h        CommittedOffsets, CommitOffsets
// (client_internal.h is their shared plumbing, not for tests.)
//
// Every call opens its own short-lived client: simple, no state shared between tests or
// threads, and cheap enough on loopback (a few ms). Errors never abort: operations return a
// ::testing::AssertionResult (use ASSERT_TRUE(CreateTopic(...)) to fail with the message),
// queries return an Outcome<T> that can be polled inside WaitUntil without failing the test
// (e.g. while a mirrored topic does not exist yet).
//
// All clients set allow.auto.create.topics=false: a verification query must never create
// the topic it is looking for. ClientConfig::properties can override any default.
#pragma once

#include "support/client_config.h"
#include "support/test_admin.h"
#include "support/test_consumer.h"
#include "support/test_groups.h"
#include "support/test_producer.h"
#include "support/test_records.h"
#include "support/test_transactions.h"
