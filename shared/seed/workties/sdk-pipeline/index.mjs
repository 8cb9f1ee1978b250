// A multi-step workty written as a machina state machine with the Workty SDK: download → transform →
// upload (simulated). Every state it enters shows live in the run; a checkpoint after each step lets a
// re-dispatched attempt (after a crash, a lost board, a failure) resume where the last one stopped.
//
// Properties: `records` (how many to process), `stepMs` (time each record takes), `failOnceAt` (a
// state name: the first attempt fails there, to show the resume; empty = never).
const { runStateMachine } = await import(process.env.WORKTY_SDK);

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

await runStateMachine({
  namespace: 'sdk-pipeline',
  initialState: 'download',
  data: { records: [] },

  /** The first attempt fails in `state` when the property asks for it. */
  failOnceIn(state) {
    if (this.properties.failOnceAt === state && this.attempt === 1) throw new Error(`simulated failure in "${state}" (attempt 1)`);
  },

  states: {
    download: {
      async _onEnter() {
        const count = Number(this.properties.records ?? 5);
        const stepMs = Number(this.properties.stepMs ?? 200);
        const records = [];
        for (let id = 1; id <= count; id += 1) {
          await pause(stepMs);
          records.push({ id, value: `record-${id}` });
        }
        console.log(`downloaded ${records.length} records`);
        await this.checkpoint('transform', { records });
        this.failOnceIn('download');
        this.transition('transform');
      },
    },
    transform: {
      async _onEnter() {
        if (this.resumedFrom === 'transform') console.log(`resumed at "transform" with ${this.data.records.length} downloaded records`);
        await pause(Number(this.properties.stepMs ?? 200));
        const records = this.data.records.map((r) => ({ ...r, value: r.value.toUpperCase() }));
        this.failOnceIn('transform');
        await this.checkpoint('upload', { records });
        this.transition('upload');
      },
    },
    upload: {
      async _onEnter() {
        if (this.resumedFrom === 'upload') console.log(`resumed at "upload" with ${this.data.records.length} transformed records`);
        await pause(Number(this.properties.stepMs ?? 200));
        this.failOnceIn('upload');
        console.log(`uploaded ${this.data.records.length} records`);
        this.transition('done');
      },
    },
    done: {
      _onEnter() {
        this.complete({ uploaded: this.data.records.length, resumedFrom: this.resumedFrom });
      },
    },
  },
});
