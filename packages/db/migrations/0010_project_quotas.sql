CREATE TABLE "project_quotas" (
	"project_id" text PRIMARY KEY NOT NULL,
	"max_concurrent_runs" integer,
	"gpu_slots" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_queue" (
	"run_id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"resource" text NOT NULL,
	"position" integer NOT NULL,
	"priority" integer NOT NULL,
	"reason" text NOT NULL,
	"queued_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_quotas" ADD CONSTRAINT "project_quotas_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_queue" ADD CONSTRAINT "run_queue_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_queue" ADD CONSTRAINT "run_queue_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_queue_project_idx" ON "run_queue" USING btree ("project_id");