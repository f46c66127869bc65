ALTER TABLE "runs" ADD COLUMN "trace_id" text;--> statement-breakpoint
ALTER TABLE "training_metrics" ADD COLUMN "padding_fraction" double precision;--> statement-breakpoint
ALTER TABLE "training_metrics" ADD COLUMN "peak_memory_bytes" bigint;--> statement-breakpoint
ALTER TABLE "training_metrics" ADD COLUMN "reward_accuracy" double precision;--> statement-breakpoint
ALTER TABLE "training_metrics" ADD COLUMN "reward_margin" double precision;