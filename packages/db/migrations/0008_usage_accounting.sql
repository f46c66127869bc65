CREATE TABLE "usage_prices" (
	"queue" text PRIMARY KEY NOT NULL,
	"gpu_hour_price" double precision NOT NULL,
	"cpu_hour_price" double precision NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "usage_queue" text;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "wall_seconds" double precision;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "cpu_seconds" double precision;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "cpu_measure" text;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "gpus" integer;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "gpu_seconds" double precision;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "gpu_hour_price" double precision;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "cpu_hour_price" double precision;--> statement-breakpoint
-- The default price for every queue without a row of its own (docs/operations.md, Cost accounting): placeholders an instance admin replaces (PUT /api/v1/usage/prices/{queue}).
INSERT INTO "usage_prices" ("queue", "gpu_hour_price", "cpu_hour_price", "updated_by") VALUES ('*', 2.0, 0.04, 'migration:0008') ON CONFLICT DO NOTHING;
