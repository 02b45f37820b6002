<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en_US">
<context>
    <name>App</name>
    <message>
        <source>Okno cannot start: the administrator&apos;s settings file has an error: {reason}</source>
        <translation>Okno cannot start: the administrator&apos;s settings file has an error: {reason}</translation>
    </message>
    <message>
        <source>Okno cannot open its library: {reason}</source>
        <translation>Okno cannot open its library: {reason}</translation>
    </message>
    <message>
        <source>Okno</source>
        <translation>Okno</translation>
    </message>
    <message>
        <source>Installing the sample library…</source>
        <translation>Installing the sample library…</translation>
    </message>
</context>
<context>
    <name>AskQuestionDialog</name>
    <message>
        <source>Ask the methodologists</source>
        <translation>Ask the methodologists</translation>
    </message>
    <message>
        <source>Describe the situation: what you tried, what you need. Markdown is allowed.</source>
        <translation>Describe the situation: what you tried, what you need. Markdown is allowed.</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>Ask</translation>
    </message>
    <message>
        <source>Association:</source>
        <translation>Association:</translation>
    </message>
    <message>
        <source>Topic:</source>
        <translation>Topic:</translation>
    </message>
    <message>
        <source>Question:</source>
        <translation>Question:</translation>
    </message>
</context>
<context>
    <name>BundleDialog</name>
    <message>
        <source>USB drive</source>
        <translation>USB drive</translation>
    </message>
    <message>
        <source>Write to a drive</source>
        <translation>Write to a drive</translation>
    </message>
    <message>
        <source>Read from a drive</source>
        <translation>Read from a drive</translation>
    </message>
    <message>
        <source>The library (catalog; only what the receiving computers do not have yet)</source>
        <translation>The library (catalog; only what the receiving computers do not have yet)</translation>
    </message>
    <message>
        <source>With the downloaded files</source>
        <translation>With the downloaded files</translation>
    </message>
    <message>
        <source>Files only of (nothing ticked: all files)</source>
        <translation>Files only of (nothing ticked: all files)</translation>
    </message>
    <message>
        <source>Subjects</source>
        <translation>Subjects</translation>
    </message>
    <message>
        <source>Collections</source>
        <translation>Collections</translation>
    </message>
    <message>
        <source>Grades</source>
        <translation>Grades</translation>
    </message>
    <message>
        <source>With the followed forums (open associations and the directory; never personal data)</source>
        <translation>With the followed forums (open associations and the directory; never personal data)</translation>
    </message>
    <message>
        <source>Everything, ignoring the receipts on the drive</source>
        <translation>Everything, ignoring the receipts on the drive</translation>
    </message>
    <message>
        <source>My outbox: posts, reactions and read marks written here, for a computer with Internet</source>
        <translation>My outbox: posts, reactions and read marks written here, for a computer with Internet</translation>
    </message>
    <message>
        <source>Folder on the drive:</source>
        <translation>Folder on the drive:</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>Write to the drive</source>
        <translation>Write to the drive</translation>
    </message>
    <message>
        <source>Bundle file:</source>
        <translation>Bundle file:</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>Trust this portal key</source>
        <translation>Trust this portal key</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>Deliver to the portal</source>
        <translation>Deliver to the portal</translation>
    </message>
    <message>
        <source>Folder on the drive</source>
        <translation>Folder on the drive</translation>
    </message>
    <message>
        <source>Bundle file</source>
        <translation>Bundle file</translation>
    </message>
    <message>
        <source>Okno bundles (*.okb)</source>
        <translation>Okno bundles (*.okb)</translation>
    </message>
    <message>
        <source>Choose a folder on the drive first.</source>
        <translation>Choose a folder on the drive first.</translation>
    </message>
    <message>
        <source>Writing the bundle…</source>
        <translation>Writing the bundle…</translation>
    </message>
    <message>
        <source>The outbox is empty: there is nothing to send.</source>
        <translation>The outbox is empty: there is nothing to send.</translation>
    </message>
    <message>
        <source>The computers that left receipts on this drive already have everything; nothing was written.</source>
        <translation>The computers that left receipts on this drive already have everything; nothing was written.</translation>
    </message>
    <message>
        <source>Written: {n} item(s) of the outbox to {file}. Take the drive to a computer with Internet and import it there.</source>
        <translation>Written: {n} item(s) of the outbox to {file}. Take the drive to a computer with Internet and import it there.</translation>
    </message>
    <message>
        <source>Written: {file} ({volumes} part(s)); {records} records, {files} file(s), {size}.</source>
        <translation>Written: {file} ({volumes} part(s)); {records} records, {files} file(s), {size}.</translation>
    </message>
    <message>
        <source>Not included: {forums}. They were received before this version of Okno; synchronise once more to include them.</source>
        <translation>Not included: {forums}. They were received before this version of Okno; synchronise once more to include them.</translation>
    </message>
    <message>
        <source>the directory of associations</source>
        <translation>the directory of associations</translation>
    </message>
    <message>
        <source>The bundle is not signed. Okno imports only signed bundles; nothing was imported.</source>
        <translation>The bundle is not signed. Okno imports only signed bundles; nothing was imported.</translation>
    </message>
    <message>
        <source>The bundle was changed after it was made, or it is damaged. Nothing was imported.</source>
        <translation>The bundle was changed after it was made, or it is damaged. Nothing was imported.</translation>
    </message>
    <message>
        <source>The bundle is incomplete (the copy did not finish, or a part is missing). Nothing was imported.</source>
        <translation>The bundle is incomplete (the copy did not finish, or a part is missing). Nothing was imported.</translation>
    </message>
    <message>
        <source>The bundle is signed by a key this computer does not trust. Nothing was imported.</source>
        <translation>The bundle is signed by a key this computer does not trust. Nothing was imported.</translation>
    </message>
    <message>
        <source>This computer cannot confirm who made the bundle. Nothing was imported.</source>
        <translation>This computer cannot confirm who made the bundle. Nothing was imported.</translation>
    </message>
    <message>
        <source>The bundle continues from a later point than this computer has: import the earlier bundle first, or ask for a full one.</source>
        <translation>The bundle continues from a later point than this computer has: import the earlier bundle first, or ask for a full one.</translation>
    </message>
    <message>
        <source>The bundle belongs to another portal than this computer&apos;s library.</source>
        <translation>The bundle belongs to another portal than this computer&apos;s library.</translation>
    </message>
    <message>
        <source>There is not enough free space for the bundle.</source>
        <translation>There is not enough free space for the bundle.</translation>
    </message>
    <message>
        <source>This file is not an Okno bundle.</source>
        <translation>This file is not an Okno bundle.</translation>
    </message>
    <message>
        <source>The bundle names the portal key {fp}. If your district office confirms this key, you may trust it.</source>
        <translation>The bundle names the portal key {fp}. If your district office confirms this key, you may trust it.</translation>
    </message>
    <message>
        <source>Made by the portal «{name}» (key {fp}, trusted).</source>
        <translation>Made by the portal «{name}» (key {fp}, trusted).</translation>
    </message>
    <message>
        <source>Made on the computer «{device}» by {user} (key {fp}). Import it only if you know where it comes from.</source>
        <translation>Made on the computer «{device}» by {user} (key {fp}). Import it only if you know where it comes from.</translation>
    </message>
    <message>
        <source>an unknown user</source>
        <translation>an unknown user</translation>
    </message>
    <message>
        <source>An outbox: {n} item(s) written offline, to be delivered to the portal.</source>
        <translation>An outbox: {n} item(s) written offline, to be delivered to the portal.</translation>
    </message>
    <message>
        <source> — already here</source>
        <translation> — already here</translation>
    </message>
    <message>
        <source> — another user&apos;s, will be skipped</source>
        <translation> — another user&apos;s, will be skipped</translation>
    </message>
    <message>
        <source> — an older copy is here; it will be kept and brought up to date by a sync</source>
        <translation> — an older copy is here; it will be kept and brought up to date by a sync</translation>
    </message>
    <message>
        <source>{stream}: {n} records</source>
        <translation>{stream}: {n} records</translation>
    </message>
    <message>
        <source>Files: {n}, {size}</source>
        <translation>Files: {n}, {size}</translation>
    </message>
    <message>
        <source>Answers of the portal to {n} outbox item(s)</source>
        <translation>Answers of the portal to {n} outbox item(s)</translation>
    </message>
    <message>
        <source>Checking the bundle…</source>
        <translation>Checking the bundle…</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Importing…</translation>
    </message>
    <message>
        <source>Importing the bundle…</source>
        <translation>Importing the bundle…</translation>
    </message>
    <message>
        <source>Imported: {records} records, {files} new file(s).</source>
        <translation>Imported: {records} records, {files} new file(s).</translation>
    </message>
    <message>
        <source>The outbox was updated with the portal&apos;s answers.</source>
        <translation>The outbox was updated with the portal&apos;s answers.</translation>
    </message>
    <message>
        <source>A receipt was left on the drive: the next bundle will carry only what is new.</source>
        <translation>A receipt was left on the drive: the next bundle will carry only what is new.</translation>
    </message>
    <message>
        <source>Delivering…</source>
        <translation>Delivering…</translation>
    </message>
    <message>
        <source>Delivered {n} item(s). The portal&apos;s answer is on the drive ({file}): import it on the computer that wrote them.</source>
        <translation>Delivered {n} item(s). The portal&apos;s answer is on the drive ({file}): import it on the computer that wrote them.</translation>
    </message>
</context>
<context>
    <name>Columns</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Progress</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Speed</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Time left</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Started</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>Records</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>Transferred</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Duration</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>Consultations</name>
    <message>
        <source>Library stock and catalogue</source>
        <translation>Library stock and catalogue</translation>
    </message>
    <message>
        <source>Lessons and digital resources</source>
        <translation>Lessons and digital resources</translation>
    </message>
    <message>
        <source>Computers and software</source>
        <translation>Computers and software</translation>
    </message>
    <message>
        <source>Programmes and standards</source>
        <translation>Programmes and standards</translation>
    </message>
    <message>
        <source>Reading and school events</source>
        <translation>Reading and school events</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>awaiting an answer</source>
        <translation>awaiting an answer</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>answered</translation>
    </message>
    <message>
        <source>unknown author</source>
        <translation>unknown author</translation>
    </message>
    <message>
        <source>answers: {n}</source>
        <translation>answers: {n}</translation>
    </message>
    <message>
        <source>an answer is accepted</source>
        <translation>an answer is accepted</translation>
    </message>
    <message>
        <source>not sent</source>
        <translation>not sent</translation>
    </message>
    <message>
        <source>No answers yet. The association&apos;s methodologists will see the question after your next sync.</source>
        <translation>No answers yet. The association&apos;s methodologists will see the question after your next sync.</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>not sent yet</translation>
    </message>
    <message>
        <source>✔ accepted answer</source>
        <translation>✔ accepted answer</translation>
    </message>
    <message>
        <source>✔ accepted (not sent yet)</source>
        <translation>✔ accepted (not sent yet)</translation>
    </message>
    <message>
        <source>Accept this answer</source>
        <translation>Accept this answer</translation>
    </message>
</context>
<context>
    <name>ConsultationsPage</name>
    <message>
        <source>Consultations</source>
        <translation>Consultations</translation>
    </message>
    <message>
        <source>Ask a question…</source>
        <translation>Ask a question…</translation>
    </message>
    <message>
        <source>All questions</source>
        <translation>All questions</translation>
    </message>
    <message>
        <source>My questions</source>
        <translation>My questions</translation>
    </message>
    <message>
        <source>Awaiting an answer</source>
        <translation>Awaiting an answer</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>All topics</source>
        <translation>All topics</translation>
    </message>
    <message>
        <source>All my associations</source>
        <translation>All my associations</translation>
    </message>
    <message>
        <source>Sign in on the Discussions page to ask the methodologists of your associations.</source>
        <translation>Sign in on the Discussions page to ask the methodologists of your associations.</translation>
    </message>
    <message>
        <source>No questions here yet.</source>
        <translation>No questions here yet.</translation>
    </message>
    <message>
        <source>{n} of your questions were answered since the last sync. Open “My questions” to read the answers.</source>
        <translation>{n} of your questions were answered since the last sync. Open “My questions” to read the answers.</translation>
    </message>
</context>
<context>
    <name>CourseListModel</name>
    <message>
        <source>Completed</source>
        <translation>Completed</translation>
    </message>
    <message>
        <source>In progress: {done} of {total}</source>
        <translation>In progress: {done} of {total}</translation>
    </message>
    <message>
        <source>{hours} h · not enrolled</source>
        <translation>{hours} h · not enrolled</translation>
    </message>
</context>
<context>
    <name>CoursesPage</name>
    <message>
        <source>Courses</source>
        <translation>Courses</translation>
    </message>
    <message>
        <source>Professional development courses</source>
        <translation>Professional development courses</translation>
    </message>
    <message>
        <source>Lesson sets</source>
        <translation>Lesson sets</translation>
    </message>
    <message>
        <source>No courses yet. Sign in (Discussions page) and sync: the courses of the network arrive with the community.</source>
        <translation>No courses yet. Sign in (Discussions page) and sync: the courses of the network arrive with the community.</translation>
    </message>
    <message>
        <source>Enrol</source>
        <translation>Enrol</translation>
    </message>
    <message>
        <source>Download for offline use</source>
        <translation>Download for offline use</translation>
    </message>
    <message>
        <source>Download the files of every material, to study the course without a connection</source>
        <translation>Download the files of every material, to study the course without a connection</translation>
    </message>
    <message>
        <source>Certificate (PDF)</source>
        <translation>Certificate (PDF)</translation>
    </message>
    <message>
        <source>Print certificate</source>
        <translation>Print certificate</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Mark as studied</source>
        <translation>Mark as studied</translation>
    </message>
    <message>
        <source>Submit answer</source>
        <translation>Submit answer</translation>
    </message>
    <message>
        <source>Your answer</source>
        <translation>Your answer</translation>
    </message>
    <message>
        <source>Course outline</source>
        <translation>Course outline</translation>
    </message>
    <message>
        <source>{hours} academic hours</source>
        <translation>{hours} academic hours</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>completed</translation>
    </message>
    <message>
        <source>done {done} of {total} required</source>
        <translation>done {done} of {total} required</translation>
    </message>
    <message>
        <source>To study offline, {n} files ({size}) still need downloading.</source>
        <translation>To study offline, {n} files ({size}) still need downloading.</translation>
    </message>
    <message>
        <source>Every material is on this computer: the course works without a connection.</source>
        <translation>Every material is on this computer: the course works without a connection.</translation>
    </message>
    <message>
        <source>Task: </source>
        <translation>Task: </translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>Saved on this computer; goes to the portal with the next sync</source>
        <translation>Saved on this computer; goes to the portal with the next sync</translation>
    </message>
    <message>
        <source>Choose a lesson, a material or a task.</source>
        <translation>Choose a lesson, a material or a task.</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>optional</translation>
    </message>
    <message>
        <source>done</source>
        <translation>done</translation>
    </message>
    <message>
        <source>opened</source>
        <translation>opened</translation>
    </message>
    <message>
        <source>On this computer.</source>
        <translation>On this computer.</translation>
    </message>
    <message>
        <source>Not downloaded yet: use “Download for offline use”.</source>
        <translation>Not downloaded yet: use “Download for offline use”.</translation>
    </message>
    <message>
        <source>Download the course</source>
        <translation>Download the course</translation>
    </message>
    <message>
        <source>Download {n} files ({size}) so the course works without a connection? Free space: {free}.</source>
        <translation>Download {n} files ({size}) so the course works without a connection? Free space: {free}.</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Select a resource to see its description and files.</source>
        <translation>Select a resource to see its description and files.</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Files</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Download</translation>
    </message>
    <message>
        <source>Download the files of this resource</source>
        <translation>Download the files of this resource</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>Cancel download</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Open the selected file (double-click works too)</source>
        <translation>Open the selected file (double-click works too)</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Files of the resource</source>
        <translation>Files of the resource</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Subjects</source>
        <translation>Subjects</translation>
    </message>
    <message>
        <source>Grades</source>
        <translation>Grades</translation>
    </message>
    <message>
        <source>Authors</source>
        <translation>Authors</translation>
    </message>
    <message>
        <source>License</source>
        <translation>License</translation>
    </message>
    <message>
        <source>Collections</source>
        <translation>Collections</translation>
    </message>
</context>
<context>
    <name>Discussions</name>
    <message>
        <source> · {n} new</source>
        <translation> · {n} new</translation>
    </message>
    <message>
        <source> · not sent</source>
        <translation> · not sent</translation>
    </message>
    <message>
        <source>not sent</source>
        <translation>not sent</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>sent</translation>
    </message>
    <message>
        <source>edited on the portal meanwhile</source>
        <translation>edited on the portal meanwhile</translation>
    </message>
    <message>
        <source>failed: {reason}</source>
        <translation>failed: {reason}</translation>
    </message>
    <message>
        <source>New thread</source>
        <translation>New thread</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>Reaction</translation>
    </message>
    <message>
        <source>Read mark</source>
        <translation>Read mark</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Follow</translation>
    </message>
    <message>
        <source>Deletion</source>
        <translation>Deletion</translation>
    </message>
    <message>
        <source>Complaint to moderators</source>
        <translation>Complaint to moderators</translation>
    </message>
    <message>
        <source>Question to methodologists</source>
        <translation>Question to methodologists</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>Accepted answer</source>
        <translation>Accepted answer</translation>
    </message>
    <message>
        <source>New event</source>
        <translation>New event</translation>
    </message>
    <message>
        <source>Event cancelled</source>
        <translation>Event cancelled</translation>
    </message>
    <message>
        <source>Event reminder</source>
        <translation>Event reminder</translation>
    </message>
    <message>
        <source>Top level grant</source>
        <translation>Top level grant</translation>
    </message>
    <message>
        <source>Course enrolment</source>
        <translation>Course enrolment</translation>
    </message>
    <message>
        <source>Course progress</source>
        <translation>Course progress</translation>
    </message>
    <message>
        <source>Review of a resource</source>
        <translation>Review of a resource</translation>
    </message>
    <message>
        <source>Review deleted</source>
        <translation>Review deleted</translation>
    </message>
    <message>
        <source>Lesson set</source>
        <translation>Lesson set</translation>
    </message>
    <message>
        <source>Lesson set deleted</source>
        <translation>Lesson set deleted</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Written</source>
        <translation>Written</translation>
    </message>
    <message>
        <source>Removed by a moderator.</source>
        <translation>Removed by a moderator.</translation>
    </message>
    <message>
        <source>Deleted by the author.</source>
        <translation>Deleted by the author.</translation>
    </message>
    <message>
        <source>Hidden by a moderator.</source>
        <translation>Hidden by a moderator.</translation>
    </message>
    <message>
        <source>unknown author</source>
        <translation>unknown author</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>not sent yet</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>edited</translation>
    </message>
    <message>
        <source>The thread is closed for replies.</source>
        <translation>The thread is closed for replies.</translation>
    </message>
    <message>
        <source>Your edit is not sent yet.</source>
        <translation>Your edit is not sent yet.</translation>
    </message>
    <message>
        <source>★ useful ({n})</source>
        <translation>★ useful ({n})</translation>
    </message>
    <message>
        <source>☆ useful ({n})</source>
        <translation>☆ useful ({n})</translation>
    </message>
    <message>
        <source>edit</source>
        <translation>edit</translation>
    </message>
    <message>
        <source>report…</source>
        <translation>report…</translation>
    </message>
    <message>
        <source>No posts yet.</source>
        <translation>No posts yet.</translation>
    </message>
</context>
<context>
    <name>DiscussionsPage</name>
    <message>
        <source>Discussions arrive with the community feature: forums of associations, questions to methodologists and replies written offline.</source>
        <translation>Discussions arrive with the community feature: forums of associations, questions to methodologists and replies written offline.</translation>
    </message>
    <message>
        <source>Search discussions</source>
        <translation>Search discussions</translation>
    </message>
    <message>
        <source>New thread…</source>
        <translation>New thread…</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>Sign in…</translation>
    </message>
    <message>
        <source>Sign in again to send what you wrote</source>
        <translation>Sign in again to send what you wrote</translation>
    </message>
    <message>
        <source>Signed in as {name}</source>
        <translation>Signed in as {name}</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>Outbox ({n})</source>
        <translation>Outbox ({n})</translation>
    </message>
    <message>
        <source>Unfollow</source>
        <translation>Unfollow</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Follow</translation>
    </message>
    <message>
        <source>Nothing found.</source>
        <translation>Nothing found.</translation>
    </message>
</context>
<context>
    <name>DownloadController</name>
    <message>
        <source>No portal is set, so files cannot be downloaded. Connect to a portal in Settings.</source>
        <translation>No portal is set, so files cannot be downloaded. Connect to a portal in Settings.</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <source>Downloads</source>
        <translation>Downloads</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Download queue</source>
        <translation>Download queue</translation>
    </message>
    <message>
        <source>Nothing is being downloaded. Choose a resource in the Library and press “Download”.</source>
        <translation>Nothing is being downloaded. Choose a resource in the Library and press “Download”.</translation>
    </message>
    <message>
        <source>no speed limit</source>
        <translation>no speed limit</translation>
    </message>
    <message>
        <source>speed limited to {speed}/s</source>
        <translation>speed limited to {speed}/s</translation>
    </message>
    <message>
        <source>Files are saved in {folder}; {limit} (change in Settings).</source>
        <translation>Files are saved in {folder}; {limit} (change in Settings).</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The shared library of this computer ({folder}) is read-only for your account: the administrator updates it and downloads its files. Your own data is not affected.</source>
        <translation>The shared library of this computer ({folder}) is read-only for your account: the administrator updates it and downloads its files. Your own data is not affected.</translation>
    </message>
    <message>
        <source>Okno is not allowed to read or write “{name}”.</source>
        <translation>Okno is not allowed to read or write “{name}”.</translation>
    </message>
    <message>
        <source>The file or folder “{name}” does not exist.</source>
        <translation>The file or folder “{name}” does not exist.</translation>
    </message>
    <message>
        <source>A file could not be read or written: {reason}.</source>
        <translation>A file could not be read or written: {reason}.</translation>
    </message>
    <message>
        <source>Okno</source>
        <translation>Okno</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <source>Seminar</source>
        <translation>Seminar</translation>
    </message>
    <message>
        <source>Webinar</source>
        <translation>Webinar</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>Meeting</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Association</source>
        <translation>Association</translation>
    </message>
    <message>
        <source>Reminder</source>
        <translation>Reminder</translation>
    </message>
    <message>
        <source>{title} (cancelled)</source>
        <translation>{title} (cancelled)</translation>
    </message>
    <message>
        <source> · not sent</source>
        <translation> · not sent</translation>
    </message>
    <message>
        <source>★ {n} min before</source>
        <translation>★ {n} min before</translation>
    </message>
</context>
<context>
    <name>EventsPage</name>
    <message>
        <source>Events</source>
        <translation>Events</translation>
    </message>
    <message>
        <source>Show past events</source>
        <translation>Show past events</translation>
    </message>
    <message>
        <source>New event…</source>
        <translation>New event…</translation>
    </message>
    <message>
        <source>Export calendar (.ics)…</source>
        <translation>Export calendar (.ics)…</translation>
    </message>
    <message>
        <source>Export event (.ics)…</source>
        <translation>Export event (.ics)…</translation>
    </message>
    <message>
        <source>Cancel event</source>
        <translation>Cancel event</translation>
    </message>
    <message>
        <source>Remind me</source>
        <translation>Remind me</translation>
    </message>
    <message>
        <source>{n} minutes before</source>
        <translation>{n} minutes before</translation>
    </message>
    <message>
        <source>{n} h before</source>
        <translation>{n} h before</translation>
    </message>
    <message>
        <source>a day before</source>
        <translation>a day before</translation>
    </message>
    <message>
        <source>All my associations</source>
        <translation>All my associations</translation>
    </message>
    <message>
        <source>Choose an event to see the details.</source>
        <translation>Choose an event to see the details.</translation>
    </message>
    <message>
        <source>{title} (cancelled)</source>
        <translation>{title} (cancelled)</translation>
    </message>
    <message>
        <source>Place: {place}</source>
        <translation>Place: {place}</translation>
    </message>
    <message>
        <source>Link: {url}</source>
        <translation>Link: {url}</translation>
    </message>
    <message>
        <source>Cancel “{title}” for everyone?</source>
        <translation>Cancel “{title}” for everyone?</translation>
    </message>
    <message>
        <source>iCalendar files (*.ics)</source>
        <translation>iCalendar files (*.ics)</translation>
    </message>
    <message>
        <source>Export event</source>
        <translation>Export event</translation>
    </message>
    <message>
        <source>Export calendar</source>
        <translation>Export calendar</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>Saved to {path}</translation>
    </message>
    <message>
        <source>Reminder: “{title}” starts in {n} min ({when}).</source>
        <translation>Reminder: “{title}” starts in {n} min ({when}).</translation>
    </message>
</context>
<context>
    <name>FileState</name>
    <message>
        <source>not downloaded</source>
        <translation>not downloaded</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>queued</translation>
    </message>
    <message>
        <source>downloading</source>
        <translation>downloading</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>paused</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>downloaded</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelled</translation>
    </message>
</context>
<context>
    <name>FileViewer</name>
    <message>
        <source>Open in another program</source>
        <translation>Open in another program</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>This image cannot be shown.</source>
        <translation>This image cannot be shown.</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>Image</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>Video</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Okno: first start</source>
        <translation>Okno: first start</translation>
    </message>
</context>
<context>
    <name>FlagDialog</name>
    <message>
        <source>Report a post</source>
        <translation>Report a post</translation>
    </message>
    <message>
        <source>The association&apos;s moderators will see your complaint. The author will not know who sent it.</source>
        <translation>The association&apos;s moderators will see your complaint. The author will not know who sent it.</translation>
    </message>
    <message>
        <source>Spam or advertising</source>
        <translation>Spam or advertising</translation>
    </message>
    <message>
        <source>Insulting or offensive</source>
        <translation>Insulting or offensive</translation>
    </message>
    <message>
        <source>Off topic</source>
        <translation>Off topic</translation>
    </message>
    <message>
        <source>Something else</source>
        <translation>Something else</translation>
    </message>
    <message>
        <source>In your own words (optional; needed for &quot;Something else&quot;)</source>
        <translation>In your own words (optional; needed for &quot;Something else&quot;)</translation>
    </message>
    <message>
        <source>Send the complaint</source>
        <translation>Send the complaint</translation>
    </message>
    <message>
        <source>Describe the problem in a few words.</source>
        <translation>Describe the problem in a few words.</translation>
    </message>
</context>
<context>
    <name>LabHubSection</name>
    <message>
        <source>Choose the network card of the lab network first.</source>
        <translation>Choose the network card of the lab network first.</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Starting…</translation>
    </message>
    <message>
        <source>Sharing the library at {url}. Other Okno computers of the lab find it by themselves.</source>
        <translation>Sharing the library at {url}. Other Okno computers of the lab find it by themselves.</translation>
    </message>
    <message>
        <source>Could not share the library: {reason}</source>
        <translation>Could not share the library: {reason}</translation>
    </message>
    <message>
        <source>Local network (computer lab)</source>
        <translation>Local network (computer lab)</translation>
    </message>
    <message>
        <source>Take the library from a lab computer that shares it, when there is one</source>
        <translation>Take the library from a lab computer that shares it, when there is one</translation>
    </message>
    <message>
        <source>Share the library on the local network</source>
        <translation>Share the library on the local network</translation>
    </message>
    <message>
        <source>Set by the administrator</source>
        <translation>Set by the administrator</translation>
    </message>
    <message>
        <source>Lab network &amp;card:</source>
        <translation>Lab network &amp;card:</translation>
    </message>
    <message>
        <source>Network address to share the library on</source>
        <translation>Network address to share the library on</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>Only the public catalog and downloaded files are shared, read-only, on this address only. Posts, sign-in and personal data always go to the portal.</source>
        <translation>Only the public catalog and downloaded files are shared, read-only, on this address only. Posts, sign-in and personal data always go to the portal.</translation>
    </message>
</context>
<context>
    <name>Leaders</name>
    <message>
        <source>Newcomer</source>
        <translation>Newcomer</translation>
    </message>
    <message>
        <source>Participant</source>
        <translation>Participant</translation>
    </message>
    <message>
        <source>Active participant</source>
        <translation>Active participant</translation>
    </message>
    <message>
        <source>Expert</source>
        <translation>Expert</translation>
    </message>
    <message>
        <source>Network leader</source>
        <translation>Network leader</translation>
    </message>
    <message>
        <source>accepted answers</source>
        <translation>accepted answers</translation>
    </message>
    <message>
        <source>“useful” marks received</source>
        <translation>“useful” marks received</translation>
    </message>
    <message>
        <source>days of activity</source>
        <translation>days of activity</translation>
    </message>
    <message>
        <source>posts hidden by moderators</source>
        <translation>posts hidden by moderators</translation>
    </message>
    <message>
        <source>reviews</source>
        <translation>reviews</translation>
    </message>
    <message>
        <source>courses completed</source>
        <translation>courses completed</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>top level granted by a coordinator</source>
        <translation>top level granted by a coordinator</translation>
    </message>
</context>
<context>
    <name>LeadersPage</name>
    <message>
        <source>Leaders</source>
        <translation>Leaders</translation>
    </message>
    <message>
        <source>Levels grow with helpful work in the association: accepted answers to consultations, “useful” marks on posts, regular activity; posts hidden by moderators count against. The portal recalculates them; a coordinator may grant the top level by hand (★).</source>
        <translation>Levels grow with helpful work in the association: accepted answers to consultations, “useful” marks on posts, regular activity; posts hidden by moderators count against. The portal recalculates them; a coordinator may grant the top level by hand (★).</translation>
    </message>
    <message>
        <source>No levels here yet: they appear after the portal counts the association&apos;s activity.</source>
        <translation>No levels here yet: they appear after the portal counts the association&apos;s activity.</translation>
    </message>
    <message>
        <source>Take back the top level</source>
        <translation>Take back the top level</translation>
    </message>
    <message>
        <source>Grant the top level</source>
        <translation>Grant the top level</translation>
    </message>
    <message>
        <source>Saved. The portal applies it with the next sync.</source>
        <translation>Saved. The portal applies it with the next sync.</translation>
    </message>
</context>
<context>
    <name>LessonSetsPanel</name>
    <message>
        <source>Lesson sets</source>
        <translation>Lesson sets</translation>
    </message>
    <message>
        <source>No lesson sets yet. On a resource&apos;s page (Library), choose “New set…” to start one.</source>
        <translation>No lesson sets yet. On a resource&apos;s page (Library), choose “New set…” to start one.</translation>
    </message>
    <message>
        <source>Shared with:</source>
        <translation>Shared with:</translation>
    </message>
    <message>
        <source>Shared with</source>
        <translation>Shared with</translation>
    </message>
    <message>
        <source>Remove from set</source>
        <translation>Remove from set</translation>
    </message>
    <message>
        <source>Delete set</source>
        <translation>Delete set</translation>
    </message>
    <message>
        <source>Resources of the set</source>
        <translation>Resources of the set</translation>
    </message>
    <message>
        <source>shared: {association}</source>
        <translation>shared: {association}</translation>
    </message>
    <message>
        <source>private</source>
        <translation>private</translation>
    </message>
    <message>
        <source>Shared by {owner}</source>
        <translation>Shared by {owner}</translation>
    </message>
    <message>
        <source>Nobody (private)</source>
        <translation>Nobody (private)</translation>
    </message>
</context>
<context>
    <name>LibraryPage</name>
    <message>
        <source>Search the library: title, topic, author… (Ctrl+F)</source>
        <translation>Search the library: title, topic, author… (Ctrl+F)</translation>
    </message>
    <message>
        <source>Search the library</source>
        <translation>Search the library</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Search results</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>Filters</translation>
    </message>
    <message>
        <source>Downloaded only</source>
        <translation>Downloaded only</translation>
    </message>
    <message>
        <source>Show downloaded resources only</source>
        <translation>Show downloaded resources only</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Clear filters</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Grade</source>
        <translation>Grade</translation>
    </message>
    <message>
        <source>Resource type</source>
        <translation>Resource type</translation>
    </message>
    <message>
        <source>Collection</source>
        <translation>Collection</translation>
    </message>
    <message>
        <source>{n} resources in the library</source>
        <translation>{n} resources in the library</translation>
    </message>
    <message>
        <source>Found: {n}</source>
        <translation>Found: {n}</translation>
    </message>
    <message>
        <source>Downloaded only ({n})</source>
        <translation>Downloaded only ({n})</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Okno — library of educational resources</source>
        <translation>Okno — library of educational resources</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>Library</translation>
    </message>
    <message>
        <source>Discussions</source>
        <translation>Discussions</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>Downloads</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>{page} (Ctrl+{n})</source>
        <translation>{page} (Ctrl+{n})</translation>
    </message>
    <message>
        <source>Sections</source>
        <translation>Sections</translation>
    </message>
    <message>
        <source>Search the library</source>
        <translation>Search the library</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>No portal is set</source>
        <translation>No portal is set</translation>
    </message>
    <message>
        <source>Downloads pending: {n}</source>
        <translation>Downloads pending: {n}</translation>
    </message>
    <message>
        <source>Unsent: {n}</source>
        <translation>Unsent: {n}</translation>
    </message>
    <message>
        <source>Never synchronised</source>
        <translation>Never synchronised</translation>
    </message>
    <message>
        <source>Last sync: {time}</source>
        <translation>Last sync: {time}</translation>
    </message>
    <message>
        <source>Last sync failed: {time}</source>
        <translation>Last sync failed: {time}</translation>
    </message>
</context>
<context>
    <name>MarkdownView</name>
    <message>
        <source>Open link</source>
        <translation>Open link</translation>
    </message>
    <message>
        <source>Open this address outside Okno?

{url}</source>
        <translation>Open this address outside Okno?

{url}</translation>
    </message>
</context>
<context>
    <name>NewEventDialog</name>
    <message>
        <source>New event</source>
        <translation>New event</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Kind:</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>Title:</translation>
    </message>
    <message>
        <source>Starts (local time):</source>
        <translation>Starts (local time):</translation>
    </message>
    <message>
        <source>Hours:</source>
        <translation>Hours:</translation>
    </message>
    <message>
        <source>Place:</source>
        <translation>Place:</translation>
    </message>
    <message>
        <source>Link:</source>
        <translation>Link:</translation>
    </message>
</context>
<context>
    <name>OutboxView</name>
    <message>
        <source>Outbox</source>
        <translation>Outbox</translation>
    </message>
    <message>
        <source>What you wrote offline is sent with the next sync, once. Answered items stay here until you remove them.</source>
        <translation>What you wrote offline is sent with the next sync, once. Answered items stay here until you remove them.</translation>
    </message>
    <message>
        <source>Remove from the list</source>
        <translation>Remove from the list</translation>
    </message>
    <message>
        <source>Your text</source>
        <translation>Your text</translation>
    </message>
    <message>
        <source>On the portal now</source>
        <translation>On the portal now</translation>
    </message>
    <message>
        <source>Keep mine</source>
        <translation>Keep mine</translation>
    </message>
    <message>
        <source>Discard my text</source>
        <translation>Discard my text</translation>
    </message>
</context>
<context>
    <name>PortalPage</name>
    <message>
        <source>Connect to a portal</source>
        <translation>Connect to a portal</translation>
    </message>
    <message>
        <source>Enter the portal address and check the connection.</source>
        <translation>Enter the portal address and check the connection.</translation>
    </message>
    <message>
        <source>Portal &amp;address:</source>
        <translation>Portal &amp;address:</translation>
    </message>
    <message>
        <source>Portal address</source>
        <translation>Portal address</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>No connection right now? Finish anyway: Okno will synchronise when the portal becomes reachable.</source>
        <translation>No connection right now? Finish anyway: Okno will synchronise when the portal becomes reachable.</translation>
    </message>
    <message>
        <source>Checking {url}…</source>
        <translation>Checking {url}…</translation>
    </message>
    <message>
        <source>✔ The portal answers: {name}.</source>
        <translation>✔ The portal answers: {name}.</translation>
    </message>
    <message>
        <source>✘ Not reachable: {reason}</source>
        <translation>✘ Not reachable: {reason}</translation>
    </message>
</context>
<context>
    <name>QuestionPanel</name>
    <message>
        <source>Your answer (Markdown). It is saved on this computer and sent with the next sync.</source>
        <translation>Your answer (Markdown). It is saved on this computer and sent with the next sync.</translation>
    </message>
    <message>
        <source>Send answer</source>
        <translation>Send answer</translation>
    </message>
    <message>
        <source>Choose a question on the left, or ask your own.</source>
        <translation>Choose a question on the left, or ask your own.</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>not sent yet</translation>
    </message>
    <message>
        <source>Saved. It will be sent with the next sync.</source>
        <translation>Saved. It will be sent with the next sync.</translation>
    </message>
</context>
<context>
    <name>ResourceCommunity</name>
    <message>
        <source>My review: how I used it in class</source>
        <translation>My review: how I used it in class</translation>
    </message>
    <message>
        <source>For example: a lesson in grade 6, pair work, what worked and what did not</source>
        <translation>For example: a lesson in grade 6, pair work, what worked and what did not</translation>
    </message>
    <message>
        <source>Save review</source>
        <translation>Save review</translation>
    </message>
    <message>
        <source>Delete my review</source>
        <translation>Delete my review</translation>
    </message>
    <message>
        <source>My rating</source>
        <translation>My rating</translation>
    </message>
    <message>
        <source>Reviews and discussions</source>
        <translation>Reviews and discussions</translation>
    </message>
    <message>
        <source>My lesson sets</source>
        <translation>My lesson sets</translation>
    </message>
    <message>
        <source>Add to set</source>
        <translation>Add to set</translation>
    </message>
    <message>
        <source>New set…</source>
        <translation>New set…</translation>
    </message>
    <message>
        <source>A new lesson set with this resource</source>
        <translation>A new lesson set with this resource</translation>
    </message>
    <message>
        <source>Rating {stars} {avg} · reviews: {n}</source>
        <translation>Rating {stars} {avg} · reviews: {n}</translation>
    </message>
    <message>
        <source>No reviews yet</source>
        <translation>No reviews yet</translation>
    </message>
    <message>
        <source>No discussion links to this resource yet.</source>
        <translation>No discussion links to this resource yet.</translation>
    </message>
    <message>
        <source>New lesson set</source>
        <translation>New lesson set</translation>
    </message>
    <message>
        <source>Title of the lesson set:</source>
        <translation>Title of the lesson set:</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Portal</source>
        <translation>Portal</translation>
    </message>
    <message>
        <source>Portal &amp;address:</source>
        <translation>Portal &amp;address:</translation>
    </message>
    <message>
        <source>Portal address</source>
        <translation>Portal address</translation>
    </message>
    <message>
        <source>Check connection</source>
        <translation>Check connection</translation>
    </message>
    <message>
        <source>Data and storage</source>
        <translation>Data and storage</translation>
    </message>
    <message>
        <source>Data folder:</source>
        <translation>Data folder:</translation>
    </message>
    <message>
        <source>Move…</source>
        <translation>Move…</translation>
    </message>
    <message>
        <source>Move the data folder</source>
        <translation>Move the data folder</translation>
    </message>
    <message>
        <source>Downloaded files:</source>
        <translation>Downloaded files:</translation>
    </message>
    <message>
        <source>Free space…</source>
        <translation>Free space…</translation>
    </message>
    <message>
        <source>Delete downloaded files to free space</source>
        <translation>Delete downloaded files to free space</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>&amp;Interface language:</source>
        <translation>&amp;Interface language:</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <source>Network and synchronisation</source>
        <translation>Network and synchronisation</translation>
    </message>
    <message>
        <source>Download speed &amp;limit:</source>
        <translation>Download speed &amp;limit:</translation>
    </message>
    <message>
        <source> KB/s</source>
        <translation> KB/s</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>no limit</translation>
    </message>
    <message>
        <source>Download speed limit, kilobytes per second</source>
        <translation>Download speed limit, kilobytes per second</translation>
    </message>
    <message>
        <source>&amp;Automatic sync every:</source>
        <translation>&amp;Automatic sync every:</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>off (only when asked)</source>
        <translation>off (only when asked)</translation>
    </message>
    <message>
        <source>Automatic sync interval in minutes</source>
        <translation>Automatic sync interval in minutes</translation>
    </message>
    <message>
        <source>only between</source>
        <translation>only between</translation>
    </message>
    <message>
        <source>and</source>
        <translation>and</translation>
    </message>
    <message>
        <source>Sync window start</source>
        <translation>Sync window start</translation>
    </message>
    <message>
        <source>Sync window end</source>
        <translation>Sync window end</translation>
    </message>
    <message>
        <source>Metered connection: catalog only, no automatic file downloads</source>
        <translation>Metered connection: catalog only, no automatic file downloads</translation>
    </message>
    <message>
        <source>Set by the administrator</source>
        <translation>Set by the administrator</translation>
    </message>
    <message>
        <source>Some settings are set by the administrator and cannot be changed here ({path}).</source>
        <translation>Some settings are set by the administrator and cannot be changed here ({path}).</translation>
    </message>
    <message>
        <source>Enter the portal address first.</source>
        <translation>Enter the portal address first.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>Connected: {name}.</source>
        <translation>Connected: {name}.</translation>
    </message>
    <message>
        <source>Not reachable: {reason}</source>
        <translation>Not reachable: {reason}</translation>
    </message>
    <message>
        <source>{size} in {n} files</source>
        <translation>{size} in {n} files</translation>
    </message>
    <message>
        <source>Free space</source>
        <translation>Free space</translation>
    </message>
    <message>
        <source>Delete all downloaded files? The catalog stays; files can be downloaded again later.</source>
        <translation>Delete all downloaded files? The catalog stays; files can be downloaded again later.</translation>
    </message>
    <message>
        <source>Deleting downloaded files…</source>
        <translation>Deleting downloaded files…</translation>
    </message>
    <message>
        <source>Choose a new data folder</source>
        <translation>Choose a new data folder</translation>
    </message>
    <message>
        <source>Choose a folder outside the current data folder.</source>
        <translation>Choose a folder outside the current data folder.</translation>
    </message>
    <message>
        <source>The folder “{path}” is not empty.</source>
        <translation>The folder “{path}” is not empty.</translation>
    </message>
    <message>
        <source>Moving the data folder…</source>
        <translation>Moving the data folder…</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Data folder</translation>
    </message>
</context>
<context>
    <name>SignIn</name>
    <message>
        <source>Wrong login or password.</source>
        <translation>Wrong login or password.</translation>
    </message>
    <message>
        <source>Too many sign-in attempts. Try again in {n} seconds.</source>
        <translation>Too many sign-in attempts. Try again in {n} seconds.</translation>
    </message>
    <message>
        <source>Too many sign-in attempts. Try again later.</source>
        <translation>Too many sign-in attempts. Try again later.</translation>
    </message>
    <message>
        <source>The portal cannot be reached. Check the network connection and the portal address in Settings.</source>
        <translation>The portal cannot be reached. Check the network connection and the portal address in Settings.</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in to the community</source>
        <translation>Sign in to the community</translation>
    </message>
    <message>
        <source>Sign in with the account of the portal {url}. The password is checked by the portal and not stored.</source>
        <translation>Sign in with the account of the portal {url}. The password is checked by the portal and not stored.</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Login:</source>
        <translation>Login:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>No portal is set. Enter the portal address in Settings first.</source>
        <translation>No portal is set. Enter the portal address in Settings first.</translation>
    </message>
    <message>
        <source>Enter the login and the password.</source>
        <translation>Enter the login and the password.</translation>
    </message>
    <message>
        <source>Checking with the portal…</source>
        <translation>Checking with the portal…</translation>
    </message>
</context>
<context>
    <name>SyncController</name>
    <message>
        <source>No portal is set. Enter the portal address in Settings to synchronise the library.</source>
        <translation>No portal is set. Enter the portal address in Settings to synchronise the library.</translation>
    </message>
    <message>
        <source>Cancelled by the user; everything received so far is kept.</source>
        <translation>Cancelled by the user; everything received so far is kept.</translation>
    </message>
    <message>
        <source>The sync was cancelled.</source>
        <translation>The sync was cancelled.</translation>
    </message>
</context>
<context>
    <name>SyncErrors</name>
    <message>
        <source>Cannot reach the portal at {url}. Check the network connection and the portal address.</source>
        <translation>Cannot reach the portal at {url}. Check the network connection and the portal address.</translation>
    </message>
    <message>
        <source>The connection stalled: no data arrived for a long time. What arrived is kept; it will be resumed.</source>
        <translation>The connection stalled: no data arrived for a long time. What arrived is kept; it will be resumed.</translation>
    </message>
    <message>
        <source>The connection was cut in the middle of a transfer. What arrived is kept; it will be resumed.</source>
        <translation>The connection was cut in the middle of a transfer. What arrived is kept; it will be resumed.</translation>
    </message>
    <message>
        <source>A network error interrupted the exchange with the portal. Try again later.</source>
        <translation>A network error interrupted the exchange with the portal. Try again later.</translation>
    </message>
    <message>
        <source>The portal is busy and asked to try again later.</source>
        <translation>The portal is busy and asked to try again later.</translation>
    </message>
    <message>
        <source>The portal had an internal error (HTTP {status}). Try again later.</source>
        <translation>The portal had an internal error (HTTP {status}). Try again later.</translation>
    </message>
    <message>
        <source>The portal failed while sending data. What arrived completely is kept; try again later.</source>
        <translation>The portal failed while sending data. What arrived completely is kept; try again later.</translation>
    </message>
    <message>
        <source>The portal does not have what was asked for.</source>
        <translation>The portal does not have what was asked for.</translation>
    </message>
    <message>
        <source>The portal refused the request (HTTP {status}).</source>
        <translation>The portal refused the request (HTTP {status}).</translation>
    </message>
    <message>
        <source>The portal asks you to sign in again. Nothing written offline is lost.</source>
        <translation>The portal asks you to sign in again. Nothing written offline is lost.</translation>
    </message>
    <message>
        <source>Not enough disk space. Free some space or choose another data folder; what was completed is kept.</source>
        <translation>Not enough disk space. Free some space or choose another data folder; what was completed is kept.</translation>
    </message>
    <message>
        <source>Okno could not write its data ({reason}).</source>
        <translation>Okno could not write its data ({reason}).</translation>
    </message>
    <message>
        <source>The portal sent data Okno cannot accept; nothing from the faulty part was saved.</source>
        <translation>The portal sent data Okno cannot accept; nothing from the faulty part was saved.</translation>
    </message>
    <message>
        <source>The address answers, but not as an Okno portal. Check the portal address.</source>
        <translation>The address answers, but not as an Okno portal. Check the portal address.</translation>
    </message>
    <message>
        <source>The portal speaks a different protocol version. Update Okno or the portal.</source>
        <translation>The portal speaks a different protocol version. Update Okno or the portal.</translation>
    </message>
    <message>
        <source>Wrong login or password.</source>
        <translation>Wrong login or password.</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Cancelled.</translation>
    </message>
    <message>
        <source>Details: {detail}</source>
        <translation>Details: {detail}</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Synchronisation</source>
        <translation>Synchronisation</translation>
    </message>
    <message>
        <source>Sync now (F5)</source>
        <translation>Sync now (F5)</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Cancel the sync</source>
        <translation>Cancel the sync</translation>
    </message>
    <message>
        <source>USB drive…</source>
        <translation>USB drive…</translation>
    </message>
    <message>
        <source>Bring the library or the outbox to or from a computer without Internet</source>
        <translation>Bring the library or the outbox to or from a computer without Internet</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Sync history</source>
        <translation>Sync history</translation>
    </message>
    <message>
        <source>Sync progress</source>
        <translation>Sync progress</translation>
    </message>
    <message>
        <source>Portal: {url}</source>
        <translation>Portal: {url}</translation>
    </message>
    <message>
        <source>No portal is set: Okno works with the sample library. Enter a portal address in Settings.</source>
        <translation>No portal is set: Okno works with the sample library. Enter a portal address in Settings.</translation>
    </message>
    <message>
        <source>Automatic sync every {n} min</source>
        <translation>Automatic sync every {n} min</translation>
    </message>
    <message>
        <source>, only between {a} and {b}</source>
        <translation>, only between {a} and {b}</translation>
    </message>
    <message>
        <source>Automatic sync is off (see Settings).</source>
        <translation>Automatic sync is off (see Settings).</translation>
    </message>
    <message>
        <source>Metered connection: only the catalog is synchronised, files are not downloaded.</source>
        <translation>Metered connection: only the catalog is synchronised, files are not downloaded.</translation>
    </message>
    <message>
        <source>Connecting to the portal…</source>
        <translation>Connecting to the portal…</translation>
    </message>
    <message>
        <source>Receiving the library snapshot…</source>
        <translation>Receiving the library snapshot…</translation>
    </message>
    <message>
        <source>Receiving changes…</source>
        <translation>Receiving changes…</translation>
    </message>
    <message>
        <source>Downloading files…</source>
        <translation>Downloading files…</translation>
    </message>
    <message>
        <source>The connection failed; waiting to retry…</source>
        <translation>The connection failed; waiting to retry…</translation>
    </message>
    <message>
        <source>Finishing…</source>
        <translation>Finishing…</translation>
    </message>
    <message>
        <source>{records} records, {bytes} received</source>
        <translation>{records} records, {bytes} received</translation>
    </message>
    <message>
        <source>about {t} left</source>
        <translation>about {t} left</translation>
    </message>
    <message>
        <source>Done: {records} records, {bytes} in {time}.</source>
        <translation>Done: {records} records, {bytes} in {time}.</translation>
    </message>
    <message>
        <source>The shared library of this computer is read-only for your account; the administrator&apos;s scheduled sync keeps it up to date.</source>
        <translation>The shared library of this computer is read-only for your account; the administrator&apos;s scheduled sync keeps it up to date.</translation>
    </message>
    <message>
        <source>The shared library is being updated right now (by the scheduled sync or another user); it will be up to date when that finishes.</source>
        <translation>The shared library is being updated right now (by the scheduled sync or another user); it will be up to date when that finishes.</translation>
    </message>
</context>
<context>
    <name>SyncResult</name>
    <message>
        <source>completed</source>
        <translation>completed</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
</context>
<context>
    <name>ThreadPanel</name>
    <message>
        <source>Thread title</source>
        <translation>Thread title</translation>
    </message>
    <message>
        <source>Text (Markdown). It is kept on this computer and sent with the next sync.</source>
        <translation>Text (Markdown). It is kept on this computer and sent with the next sync.</translation>
    </message>
    <message>
        <source>Cancel editing</source>
        <translation>Cancel editing</translation>
    </message>
    <message>
        <source>Edit your post</source>
        <translation>Edit your post</translation>
    </message>
    <message>
        <source>Save the edit</source>
        <translation>Save the edit</translation>
    </message>
    <message>
        <source>New thread</source>
        <translation>New thread</translation>
    </message>
    <message>
        <source>Save the thread</source>
        <translation>Save the thread</translation>
    </message>
    <message>
        <source>Your reply</source>
        <translation>Your reply</translation>
    </message>
    <message>
        <source>Save the reply</source>
        <translation>Save the reply</translation>
    </message>
    <message>
        <source>Choose a thread on the left.</source>
        <translation>Choose a thread on the left.</translation>
    </message>
    <message>
        <source>A new thread</source>
        <translation>A new thread</translation>
    </message>
    <message>
        <source>The thread is gone.</source>
        <translation>The thread is gone.</translation>
    </message>
    <message>
        <source>The complaint is saved and will be sent with the next sync.</source>
        <translation>The complaint is saved and will be sent with the next sync.</translation>
    </message>
    <message>
        <source>Complaint not saved: {reason}</source>
        <translation>Complaint not saved: {reason}</translation>
    </message>
    <message>
        <source>Draft restored.</source>
        <translation>Draft restored.</translation>
    </message>
    <message>
        <source>Draft saved.</source>
        <translation>Draft saved.</translation>
    </message>
    <message>
        <source>Write the text first.</source>
        <translation>Write the text first.</translation>
    </message>
    <message>
        <source>Write a title and the text first.</source>
        <translation>Write a title and the text first.</translation>
    </message>
    <message>
        <source>Saved. It will be sent with the next sync.</source>
        <translation>Saved. It will be sent with the next sync.</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Not saved: {reason}</translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>KB</source>
        <translation>KB</translation>
    </message>
    <message>
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <source>GB</source>
        <translation>GB</translation>
    </message>
    <message>
        <source>TB</source>
        <translation>TB</translation>
    </message>
    <message>
        <source>{size}/s</source>
        <translation>{size}/s</translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation>{s} s</translation>
    </message>
    <message>
        <source>{m} min {s} s</source>
        <translation>{m} min {s} s</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <source>grade {n}</source>
        <translation>grade {n}</translation>
    </message>
    <message>
        <source>grades {a}–{b}</source>
        <translation>grades {a}–{b}</translation>
    </message>
    <message>
        <source>grades {list}</source>
        <translation>grades {list}</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to Okno</source>
        <translation>Welcome to Okno</translation>
    </message>
    <message>
        <source>The library of educational resources that works without the Internet.</source>
        <translation>The library of educational resources that works without the Internet.</translation>
    </message>
    <message>
        <source>Okno keeps a copy of the library on this computer: you search, read and watch offline, and the copy is updated whenever a connection is available.</source>
        <translation>Okno keeps a copy of the library on this computer: you search, read and watch offline, and the copy is updated whenever a connection is available.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Language:</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <source>&amp;Connect to a portal</source>
        <translation>&amp;Connect to a portal</translation>
    </message>
    <message>
        <source>Your region&apos;s or school&apos;s portal; its address is usually given by the methodologist or the IT administrator.</source>
        <translation>Your region&apos;s or school&apos;s portal; its address is usually given by the methodologist or the IT administrator.</translation>
    </message>
    <message>
        <source>&amp;Explore the sample library (no portal needed)</source>
        <translation>&amp;Explore the sample library (no portal needed)</translation>
    </message>
    <message>
        <source>A small set of lessons that ships with Okno. You can connect to a portal later in Settings.</source>
        <translation>A small set of lessons that ships with Okno. You can connect to a portal later in Settings.</translation>
    </message>
</context>
<context>
    <name>_DelayedProgress</name>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
</TS>
